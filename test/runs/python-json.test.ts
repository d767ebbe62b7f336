// The JSON reader shared by the Trainer and lm-eval importers (src/runs/python-json.ts): the same
// values as JSON.parse on RFC 8259 text, Python's NaN/Infinity/-Infinity, and errors that give the
// line and column of the first character that cannot be read.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { lineColumn, MAX_JSON_DEPTH, parsePythonJson, PythonJsonError, type PythonJsonErrorReason } from '../../src/runs/python-json.js';

function errorOf(text: string, allowNan = true): PythonJsonError {
  try {
    parsePythonJson(text, { allowNan });
  } catch (e) {
    if (e instanceof PythonJsonError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text.slice(0, 40))} to be refused`);
}

/** parsePythonJson and JSON.parse agree: same value, same key order, -0 kept. */
function expectSameAsJsonParse(text: string): void {
  const ours = parsePythonJson(text);
  const theirs: unknown = JSON.parse(text);
  expect(ours, text).toEqual(theirs);
  expect(JSON.stringify(ours), text).toBe(JSON.stringify(theirs));
  if (typeof theirs === 'number') expect(Object.is(ours, theirs), text).toBe(true);
}

describe('valid JSON: the value JSON.parse gives', () => {
  it('hand-picked cases: scalars, escapes, numbers at the edges, containers, whitespace', () => {
    const cases = [
      'null',
      'true',
      'false',
      '0',
      '-0',
      '-0.0',
      '1e400', // overflows to Infinity in both
      '-1e400',
      '5e-324',
      '1e-400', // underflows to 0
      '123456789012345678901234567890',
      '0.1',
      '1E+2',
      '1e-07',
      '1e+300',
      '""',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t"',
      '"\\u00e9\\u00E9\\u2028\\u001f"',
      '"\\ud83d\\ude00"', // a surrogate pair
      '"\\ud800"', // a lone surrogate, accepted by JSON.parse too
      '"é😀\u2028"', // raw non-ASCII, as json.dumps(ensure_ascii=False) writes
      '[]',
      '{}',
      ' \t\r\n[ 1 , [ ] , { } ]\n',
      '{"a": {"b": [1, {"c": null}]}, "d": "e"}',
      '{"b": 1, "2": 2, "1": 3}', // integer-like keys come first, in both
      '{"a": 1, "b": 2, "a": 3}', // a repeated key keeps its first place and the last value
      '{"": 0}',
    ];
    for (const text of cases) expectSameAsJsonParse(text);
  });

  it('"__proto__" is an own data property, as with JSON.parse, and touches no prototype', () => {
    const v = parsePythonJson('{"__proto__": {"polluted": 1}, "a": 1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
    expect(v['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expectSameAsJsonParse('{"__proto__": {"polluted": 1}, "a": 1}');
  });

  it('random documents (seeded), in compact and indented form', () => {
    // mulberry32: a small seeded generator, so a failure reproduces.
    let seed = 0x5eed;
    const rand = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const UNITS = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '\ud800', '\udc00', '😀', '0'];
    const str = () => Array.from({ length: Math.floor(rand() * 8) }, () => pick(UNITS)).join('');
    const NUMBERS: ReadonlyArray<() => number> = [
      () => Math.floor(rand() * 1e6) - 5e5,
      () => (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20),
      () => rand(),
      () => 0,
      () => -1e21,
      () => Number.MAX_VALUE,
      () => Number.MIN_VALUE,
    ];
    const num = () => pick(NUMBERS)();
    const val = (depth: number): unknown => {
      switch (Math.floor(rand() * (depth > 4 ? 3 : 5))) {
        case 0:
          return pick([true, false, null]);
        case 1:
          return num();
        case 2:
          return str();
        case 3:
          return Array.from({ length: Math.floor(rand() * 5) }, () => val(depth + 1));
        default: {
          const obj: Record<string, unknown> = {};
          for (let k = Math.floor(rand() * 5); k > 0; k--) {
            const key = pick(['__proto__', '1', '10', 'x', 'grad_norm', str()]);
            Object.defineProperty(obj, key, { value: val(depth + 1), enumerable: true, writable: true, configurable: true });
          }
          return obj;
        }
      }
    };
    for (let n = 0; n < 300; n++) {
      const v = val(0);
      expectSameAsJsonParse(JSON.stringify(v, null, pick([undefined, 0, 2, 4, '\t'])));
    }
  });
});

describe("Python's NaN, Infinity, -Infinity", () => {
  // Written by Python 3.11: json.dumps({...}, indent=2, sort_keys=True), allow_nan=True by default.
  const TRAINER_STATE = `{
  "best_metric": null,
  "global_step": 10,
  "log_history": [
    {
      "grad_norm": NaN,
      "loss": Infinity,
      "step": 10
    },
    {
      "eval_perplexity": -Infinity,
      "step": 10
    }
  ]
}`;

  it('are read as the numbers Python meant', () => {
    expect(parsePythonJson(TRAINER_STATE)).toEqual({
      best_metric: null,
      global_step: 10,
      log_history: [
        { grad_norm: NaN, loss: Infinity, step: 10 },
        { eval_perplexity: -Infinity, step: 10 },
      ],
    });
    expect(parsePythonJson('[NaN, Infinity, -Infinity, -0.0, 1e-07, 1e+300]')).toEqual([NaN, Infinity, -Infinity, -0, 1e-7, 1e300]);
  });

  it('with allowNan: false, each is refused where it stands, reason "non-finite"', () => {
    const e = errorOf(TRAINER_STATE, false);
    expect(e).toMatchObject({ reason: 'non-finite', offset: TRAINER_STATE.indexOf('NaN'), line: 6, column: 20 });
    expect(e.detail).toMatch(/^NaN is not a JSON number/);
    expect(errorOf('{"x": Infinity}', false)).toMatchObject({ reason: 'non-finite', offset: 6, line: 1, column: 7 });
    expect(errorOf('{"x": -Infinity}', false)).toMatchObject({ reason: 'non-finite', offset: 6, line: 1, column: 7 });
    // An earlier syntax error is the one reported.
    expect(errorOf('[1 NaN]', false)).toMatchObject({ reason: 'syntax', offset: 3 });
  });

  it('only the exact words Python writes', () => {
    const cases: [string, number, string][] = [
      ['nan', 0, 'unexpected character "n"'],
      ['inf', 0, 'unexpected character "i"'],
      ['+Infinity', 0, 'unexpected character "+"'],
      ['-NaN', 0, 'unexpected character "-"'],
      ['Infinite', 0, 'unexpected character "I"'],
      ['NaNa', 3, 'unexpected data after the JSON value'],
    ];
    for (const [text, offset, detail] of cases) expect(errorOf(text), text).toMatchObject({ reason: 'syntax', offset, detail });
  });
});

describe('malformed input: the reason, line and column of the first character that cannot be read', () => {
  const cases: [text: string, reason: PythonJsonErrorReason, line: number, column: number, detail: RegExp][] = [
    ['', 'end-of-input', 1, 1, /^unexpected end of file$/],
    ['  \n ', 'end-of-input', 2, 2, /^unexpected end of file$/],
    ['{"a"', 'end-of-input', 1, 5, /^unexpected end of file$/],
    ['{\n  "a": [1,\n', 'end-of-input', 3, 1, /^unexpected end of file$/],
    ['"abc', 'end-of-input', 1, 5, /^unexpected end of file inside a string$/],
    ['{"a": 1,}', 'syntax', 1, 9, /^expected a property name in double quotes$/],
    ["{'a': 1}", 'syntax', 1, 2, /^expected a property name in double quotes$/],
    ['{"a" 1}', 'syntax', 1, 6, /^expected ':' after a property name$/],
    ['{"a": 1 "b": 2}', 'syntax', 1, 9, /^expected ',' or '}' after a property value$/],
    ['[1 2]', 'syntax', 1, 4, /^expected ',' or '\]' after an array item$/],
    ['[1,]', 'syntax', 1, 4, /^unexpected character "\]"$/],
    ['[01]', 'syntax', 1, 3, /^expected ',' or '\]'/],
    ['[1.]', 'syntax', 1, 3, /^expected ',' or '\]'/],
    ['1 2', 'syntax', 1, 3, /^unexpected data after the JSON value$/],
    ['\ufeff{}', 'syntax', 1, 1, /^unexpected character "\ufeff"$/],
    ['{\r\n  "a": tru\r\n}', 'syntax', 2, 8, /^unexpected character "t"$/],
    ['{\n  "a": "x\ny"\n}', 'syntax', 2, 10, /^control character U\+000A inside a string/],
    ['["\\x"]', 'syntax', 1, 3, /^bad escape inside a string/],
    ['"\\u12"', 'syntax', 1, 2, /^bad escape inside a string/],
    ['"ab\\', 'syntax', 1, 4, /^bad escape inside a string/],
  ];

  it.each(cases)('%j: %s at %i:%i', (text, reason, line, column, detail) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    const e = errorOf(text);
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe('INPUT_INVALID');
    expect({ reason: e.reason, line: e.line, column: e.column }).toEqual({ reason, line, column });
    expect(e.detail).toMatch(detail);
    expect(lineColumn(text, e.offset)).toEqual({ line, column });
    expect(e.data).toEqual({ reason, offset: e.offset, line, column });
    expect(e.message).toBe(`malformed JSON at line ${line}, column ${column}: ${e.detail}`);
  });

  it('a cut-off file stops at its end, except a cut right after a decimal point', () => {
    const text = JSON.stringify({ results: { hellaswag: { 'acc,none': 0.42, alias: 'hellaswag' } }, date: 1.5 }, null, 2);
    for (let cut = 0; cut < text.length; cut++) {
      const part = text.slice(0, cut);
      const e = errorOf(part);
      // "0." reads as the number 0 followed by a stray "."; the number rule (RFC 8259 section 6)
      // needs a digit after the point, and the reader does not look ahead past a complete number.
      const expected = part.endsWith('.') ? { reason: 'syntax', offset: cut - 1 } : { reason: 'end-of-input', offset: cut };
      expect({ cut, reason: e.reason, offset: e.offset }).toEqual({ cut, ...expected });
    }
  });

  it('refuses a value that is not a string', () => {
    expect(() => parsePythonJson(Buffer.from('{}') as unknown as string)).toThrow(/expected JSON text as a string, got object/);
  });
});

describe(`nesting is limited to ${MAX_JSON_DEPTH} levels`, () => {
  it('a scalar inside 512 arrays or objects is read; inside 513 it is refused at the scalar', () => {
    const arrays = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    const objects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    expectSameAsJsonParse(arrays(MAX_JSON_DEPTH));
    expectSameAsJsonParse(objects(MAX_JSON_DEPTH));
    expect(errorOf(arrays(MAX_JSON_DEPTH + 1))).toMatchObject({ reason: 'too-deep', offset: MAX_JSON_DEPTH + 1, detail: 'nested deeper than 512 levels' });
    expect(errorOf(objects(MAX_JSON_DEPTH + 1))).toMatchObject({ reason: 'too-deep', offset: 5 * (MAX_JSON_DEPTH + 1) });
  });

  it('100,000 open brackets end in an error, not a stack overflow', () => {
    expect(errorOf('['.repeat(100_000))).toMatchObject({ reason: 'too-deep', line: 1, column: MAX_JSON_DEPTH + 2 });
  });
});

describe('lineColumn', () => {
  it('is 1-based; a newline belongs to the line it ends', () => {
    const text = 'ab\ncd\n\nx';
    expect([0, 1, 2, 3, 5, 6, 7, 8].map((o) => lineColumn(text, o))).toEqual([
      { line: 1, column: 1 },
      { line: 1, column: 2 },
      { line: 1, column: 3 },
      { line: 2, column: 1 },
      { line: 2, column: 3 },
      { line: 3, column: 1 },
      { line: 4, column: 1 },
      { line: 4, column: 2 },
    ]);
  });

  it('counts "\\r" of "\\r\\n" as a column, and UTF-16 code units', () => {
    expect(lineColumn('a\r\nb', 1)).toEqual({ line: 1, column: 2 });
    expect(lineColumn('a\r\nb', 3)).toEqual({ line: 2, column: 1 });
    expect(lineColumn('😀x', 2)).toEqual({ line: 1, column: 3 });
  });
});
