// JSON as Python's `json` module writes it: RFC 8259 plus the bare words NaN, Infinity and -Infinity,
// which json.dump/json.dumps emit for float('nan') and ±float('inf') under their default
// allow_nan=True (Python docs, json "Infinite and NaN Number Values"). Training tools write them
// for real: the Trainer logs `"grad_norm": NaN` on fp16 overflow steps, lm-eval writes NaN for a
// metric it could not compute.
//
// Why not JSON.parse: it refuses the bare words, and Node 20 gives "at position N" for some syntax
// errors and no position for others, while every importer names the file, line and column.
//
// The parser is recursive descent with sticky regexes for the hot tokens (whitespace, numbers,
// strings), so a 64 MiB trainer_state.json is parsed at regex speed. Values are the ones JSON.parse
// gives for the same text: strings are decoded by JSON.parse itself, numbers by Number() (both
// round to nearest, RFC 8259 section 6), and keys are own data properties, so "__proto__" stays
// data and a repeated key keeps its first position with the last value.
import { InputError } from '../core/errors.js';

/**
 * Why parsing stopped. Callers branch on this, not on the text: "end-of-input" is a truncated file,
 * "non-finite" a NaN/Infinity refused under `allowNan: false`.
 */
export type PythonJsonErrorReason = 'end-of-input' | 'non-finite' | 'too-deep' | 'syntax';

/** Nesting limit: real files nest a few levels; without one, hostile input exhausts the stack. */
export const MAX_JSON_DEPTH = 512;

export interface ParsePythonJsonOptions {
  /** Accept NaN, Infinity and -Infinity (Python's allow_nan=True output). Default true. */
  allowNan?: boolean;
}

/** A syntax error at `offset` (UTF-16 code units) of the text, also given as 1-based line and column. */
export class PythonJsonError extends InputError {
  constructor(
    readonly reason: PythonJsonErrorReason,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
    /** What is wrong, without the position: "unexpected end of file", "expected ':' after a property name". */
    readonly detail: string,
  ) {
    super('INPUT_INVALID', `malformed JSON at line ${line}, column ${column}: ${detail}`, { reason, offset, line, column });
  }
}

/**
 * 1-based line and column of `offset` in `text`. Lines end at "\n" (so "\r\n" counts its "\r" as a
 * column); columns count UTF-16 code units, as editors that report "column" for JSON usually do.
 */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let k = text.indexOf('\n'); k !== -1 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    start = k + 1;
  }
  return { line, column: offset - start + 1 };
}

// RFC 8259: ws (section 2), number (section 6), string (section 7). Sticky, so each matches at lastIndex only.
const _WS = /[ \t\n\r]*/y;
const _NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const _STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const _WORDS: ReadonlyArray<readonly [string, unknown]> = [
  ['true', true],
  ['false', false],
  ['null', null],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
];

class _Stop {
  constructor(
    readonly reason: PythonJsonErrorReason,
    readonly offset: number,
    readonly detail: string,
  ) {}
}

/**
 * Where and why the string opening at `start` is not an RFC 8259 string; run only after _STRING
 * failed there. Points at the offending character (the backslash of a bad escape), or at the end of
 * the text when the string is cut off, so a file truncated inside a string reads as truncated.
 */
function _stringError(s: string, start: number): _Stop {
  let k = start + 1;
  while (k < s.length) {
    const c = s.charCodeAt(k);
    if (c < 0x20) {
      const hex = c.toString(16).toUpperCase().padStart(4, '0');
      return new _Stop('syntax', k, `control character U+${hex} inside a string (JSON requires it escaped)`);
    }
    if (c === 0x22) break; // unreachable when _STRING failed; falls through to the generic error
    if (c !== 0x5c) {
      k++;
      continue;
    }
    const e = s[k + 1];
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(k + 2, k + 6))) k += 6;
    else if (e !== undefined && '"\\/bfnrt'.includes(e)) k += 2;
    else return new _Stop('syntax', k, 'bad escape inside a string (JSON allows \\" \\\\ \\/ \\b \\f \\n \\r \\t, or \\u and four hex digits)');
  }
  if (k >= s.length) return new _Stop('end-of-input', s.length, 'unexpected end of file inside a string');
  return new _Stop('syntax', start, 'malformed string');
}

function _parse(s: string, allowNan: boolean): unknown {
  let i = 0;
  const fail = (reason: PythonJsonErrorReason, detail: string, at = i): never => {
    throw new _Stop(reason, at, detail);
  };
  const syntax = (detail: string): never => (s[i] === undefined ? fail('end-of-input', 'unexpected end of file') : fail('syntax', detail));
  const ws = () => {
    _WS.lastIndex = i;
    _WS.exec(s);
    i = _WS.lastIndex;
  };
  const str = (): string => {
    _STRING.lastIndex = i;
    const m = _STRING.exec(s);
    if (!m) throw _stringError(s, i);
    i = _STRING.lastIndex;
    return JSON.parse(m[0]) as string;
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_JSON_DEPTH) fail('too-deep', `nested deeper than ${MAX_JSON_DEPTH} levels`);
    ws();
    const c = s[i];
    if (c === undefined) return fail('end-of-input', 'unexpected end of file');
    if (c === '"') return str();
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (s[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') syntax('expected a property name in double quotes');
        const key = str();
        ws();
        if (s[i] !== ':') syntax("expected ':' after a property name");
        i++;
        // An own data property, as JSON.parse makes (CreateDataProperty), never the __proto__ setter.
        Object.defineProperty(obj, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === '}') {
          i++;
          return obj;
        } else syntax("expected ',' or '}' after a property value");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (s[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === ']') {
          i++;
          return arr;
        } else syntax("expected ',' or ']' after an array item");
      }
    }
    for (const [word, v] of _WORDS) {
      if (!s.startsWith(word, i)) continue;
      if (!allowNan && typeof v === 'number') fail('non-finite', `${word} is not a JSON number (Python writes it for a float that is NaN or infinite)`);
      i += word.length;
      return v;
    }
    _NUMBER.lastIndex = i;
    const m = _NUMBER.exec(s);
    if (!m) return fail('syntax', `unexpected character ${JSON.stringify(c)}`);
    i = _NUMBER.lastIndex;
    return Number(m[0]);
  };
  const out = value(0);
  ws();
  if (i < s.length) fail('syntax', 'unexpected data after the JSON value');
  return out;
}

/**
 * Parse `text` as Python's json module writes it. The result equals JSON.parse(text) wherever
 * JSON.parse succeeds; NaN, Infinity and -Infinity become those numbers (or, with
 * `allowNan: false`, a PythonJsonError with reason "non-finite" at the word). Every syntax error is
 * a PythonJsonError with the offset, line and column of the first character that cannot be read
 * (the end of the text for a truncated one). A byte order mark is not skipped: it is not JSON.
 */
export function parsePythonJson(text: string, options: ParsePythonJsonOptions = {}): unknown {
  if (typeof text !== 'string') throw new InputError('INPUT_INVALID', `expected JSON text as a string, got ${text === null ? 'null' : typeof text}`, {});
  try {
    return _parse(text, options.allowNan ?? true);
  } catch (e) {
    if (!(e instanceof _Stop)) throw e;
    const { line, column } = lineColumn(text, e.offset);
    throw new PythonJsonError(e.reason, e.offset, line, column, e.detail);
  }
}
