// Provenance input: the six questions (src/diff/dataset-types.ts) answered in a YAML file
// (`--provenance FILE`), by flags, or both, flags winning. Every question is optional here: an
// unanswered one is recorded as null, never guessed. Errors are one line naming the file, the
// question's path and, for YAML, the line.
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { yamlData } from '../core/yaml.js';
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import { PROVENANCE_QUESTIONS, provenanceSchema, type Provenance } from './dataset-types.js';

/** Answers to some of the six questions; an absent or null question is unanswered. */
export type ProvenanceAnswers = Partial<Provenance>;

const answersSchema = provenanceSchema.partial();
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "provenance.transformations[0].codeCommit" */
function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : `${s}.${String(k)}`), 'provenance');
}

/** The keys an object at `path` of the schema allows, for "unknown key" messages. */
function allowedKeys(path: readonly PropertyKey[]): string[] {
  let s: z.ZodType = provenanceSchema;
  const unwrap = () => {
    for (;;) {
      if (s instanceof z.ZodNullable || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
      else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
      else return;
    }
  };
  for (const k of path) {
    unwrap();
    if (typeof k === 'number') continue;
    if (!(s instanceof z.ZodObject)) return [];
    s = (s.shape as Record<string, z.ZodType>)[String(k)]!;
  }
  unwrap();
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

interface Problem {
  path: PropertyKey[];
  /** For an unknown key: the key, to point at it rather than at its parent. */
  key?: string;
  message: string;
}

function problemsOf(value: unknown): { answers?: ProvenanceAnswers; problems: Problem[] } {
  const r = answersSchema.safeParse(value);
  if (!r.success) {
    return {
      problems: r.error.issues.map((i) => {
        if (i.code === 'unrecognized_keys') {
          const allowed = allowedKeys(i.path);
          const keys = i.keys.map((k) => JSON.stringify(k)).join(', ');
          return { path: i.path, key: i.keys[0]!, message: `unknown key${i.keys.length > 1 ? 's' : ''} ${keys}; the keys allowed here are ${allowed.join(', ')}` };
        }
        return { path: i.path, message: i.message };
      }),
    };
  }
  const period = r.data.collectionPeriod;
  const problems: Problem[] = [];
  if (period) {
    for (const end of ['from', 'to'] as const) {
      if (!isCalendarDate(period[end])) problems.push({ path: ['collectionPeriod', end], message: `${period[end]} is not a calendar date` });
    }
    if (!problems.length && period.from > period.to) problems.push({ path: ['collectionPeriod'], message: `from (${period.from}) is after to (${period.to})` });
  }
  // An explicit undefined is no answer, as if absent (it must not override a null later).
  const answers = Object.fromEntries(Object.entries(r.data).filter(([, v]) => v !== undefined)) as ProvenanceAnswers;
  return problems.length ? { problems } : { answers, problems };
}

/**
 * Validates answers given as an object (the library's `provenance` option): every question
 * optional, unknown keys refused, dates real and in order. `where`, if given, starts the error message.
 */
export function checkProvenance(value: unknown, where?: string): ProvenanceAnswers {
  const { answers, problems } = problemsOf(value);
  if (answers) return answers;
  const p = problems[0]!;
  throw new InputError('INPUT_INVALID', `${where ? `${where}: ` : ''}${pathText(p.path)}: ${p.message}`, { path: pathText(p.path) });
}

/** Plain YAML scalars that resolve to numbers or booleans keep their text: every answer is text (a commit `1234567`, a licence `2.0`). */
function numbersAsText(doc: Document): void {
  visit(doc, {
    Scalar(_key, node) {
      if ((typeof node.value === 'number' || typeof node.value === 'boolean') && typeof node.source === 'string') node.value = node.source;
    },
  });
}

/**
 * Parses and validates provenance YAML. YAML 1.2 core schema, so `2024-01-31` stays the string
 * it looks like (YAML 1.1's timestamp type would make it a Date) and `yes` stays text; duplicate
 * keys are errors. `name` (the file) starts every error message.
 */
export function parseProvenanceYaml(text: string, name: string): ProvenanceAnswers {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const err = doc.errors[0];
  if (err) {
    const { line, col } = lines.linePos(err.pos[0]);
    throw new InputError('INPUT_INVALID', `${name}: YAML syntax error at line ${line}, column ${col}: ${err.message.split('\n')[0]}`, { line, column: col, yaml: err.code });
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    throw new InputError('INPUT_INVALID', `${name} is empty; write the answers as a YAML mapping with keys ${PROVENANCE_QUESTIONS.join(', ')}`, {});
  }
  if (!isMap(doc.contents)) {
    throw new InputError('INPUT_INVALID', `${name}: expected a YAML mapping with keys ${PROVENANCE_QUESTIONS.join(', ')} at the top level`, {});
  }
  numbersAsText(doc);
  const { answers, problems } = problemsOf(yamlData(doc, name));
  if (answers) return answers;
  // Report the problem that comes first in the file, with its line.
  const located = problems.map((p) => {
    const node = doc.getIn(p.path, true) as { range?: [number, number, number]; items?: { key: unknown }[] } | undefined;
    let at = node?.range?.[0];
    if (p.key !== undefined && isMap(node)) {
      const pair = node.items.find((i) => isScalar(i.key) && i.key.value === p.key);
      if (pair && isScalar(pair.key) && pair.key.range) at = pair.key.range[0];
    }
    return { ...p, line: at === undefined ? undefined : lines.linePos(at).line };
  });
  located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  const p = located[0]!;
  throw new InputError('INPUT_INVALID', `${name}: ${pathText(p.path)}: ${p.message}${p.line ? ` (line ${p.line})` : ''}`, { path: pathText(p.path), ...(p.line ? { line: p.line } : {}) });
}

/** Reads a `--provenance` YAML file. */
export async function readProvenanceFile(path: string): Promise<ProvenanceAnswers> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('INPUT_INVALID', `cannot read provenance file ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { path }, e);
  }
  return parseProvenanceYaml(text, path);
}

/** Provenance answers as given on the command line (values as typed, `--script` already hashed, `--derived-from` already resolved). */
export interface ProvenanceFlags {
  source?: string;
  licence?: string;
  consent?: string;
  legalBasis?: string;
  /** `--collected FROM..TO`, dates YYYY-MM-DD. */
  collected?: string;
  transformations?: string[];
  /** Commit of the code that made the transformations (7 to 64 hex digits). */
  codeCommit?: string;
  /** Hex SHA-256 of the script that made them. */
  scriptSha256?: string;
  /** Version ids they were derived from. */
  derivedFrom?: string[];
  /** `--exclusion "WHAT: WHY"`. */
  exclusions?: string[];
  /** An email if it contains @, otherwise a name. */
  contact?: string;
  team?: string;
}

function textFlag(flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!t) throw new InputError('USAGE', `--${flag} needs some text`, { flag });
  return t;
}

/** Answers from flags; only the questions the flags touch are present. */
export function provenanceFromFlags(flags: ProvenanceFlags): ProvenanceAnswers {
  const out: ProvenanceAnswers = {};
  const source = textFlag('source', flags.source);
  if (source !== undefined) out.source = source;

  const rights = { licence: textFlag('licence', flags.licence), consent: textFlag('consent', flags.consent), legalBasis: textFlag('legal-basis', flags.legalBasis) };
  if (rights.licence ?? rights.consent ?? rights.legalBasis) out.rights = Object.fromEntries(Object.entries(rights).filter(([, v]) => v !== undefined));

  if (flags.collected !== undefined) {
    const m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(flags.collected.trim());
    if (!m) throw new InputError('USAGE', `--collected must be FROM..TO with dates YYYY-MM-DD, such as 2025-07-01..2025-10-31; got ${JSON.stringify(flags.collected)}`, { flag: 'collected' });
    const [, from, to] = m as unknown as [string, string, string];
    for (const d of [from, to]) if (!isCalendarDate(d)) throw new InputError('USAGE', `--collected: ${d} is not a calendar date`, { flag: 'collected' });
    if (from > to) throw new InputError('USAGE', `--collected: ${from} is after ${to}; write FROM..TO, earliest first`, { flag: 'collected' });
    out.collectionPeriod = { from, to };
  }

  const descriptions = (flags.transformations ?? []).map((t) => textFlag('transformation', t)!);
  const codeCommit = flags.codeCommit?.trim().toLowerCase();
  if (codeCommit !== undefined && !/^[0-9a-f]{7,64}$/.test(codeCommit)) {
    throw new InputError('USAGE', `--code-commit must be a commit id of 7 to 64 hex digits, got ${JSON.stringify(flags.codeCommit)}`, { flag: 'code-commit' });
  }
  if (flags.scriptSha256 !== undefined && !/^[0-9a-f]{64}$/.test(flags.scriptSha256)) {
    throw new InputError('USAGE', `the script's SHA-256 must be 64 lowercase hex digits, got ${JSON.stringify(flags.scriptSha256)}`, { flag: 'script' });
  }
  const derivedFrom = flags.derivedFrom ?? [];
  if (!descriptions.length && (codeCommit !== undefined || flags.scriptSha256 !== undefined || derivedFrom.length)) {
    const which = codeCommit !== undefined ? '--code-commit' : flags.scriptSha256 !== undefined ? '--script' : '--derived-from';
    throw new InputError('USAGE', `${which} describes a transformation; add --transformation "what was done"`, { flag: which.slice(2) });
  }
  if (descriptions.length) {
    out.transformations = descriptions.map((description) => ({
      description,
      ...(codeCommit !== undefined ? { codeCommit } : {}),
      ...(flags.scriptSha256 !== undefined ? { scriptSha256: flags.scriptSha256 } : {}),
      ...(derivedFrom.length ? { derivedFrom: [...derivedFrom] } : {}),
    }));
  }

  if (flags.exclusions?.length) {
    out.exclusions = flags.exclusions.map((e) => {
      const at = e.indexOf(':');
      const what = at === -1 ? '' : e.slice(0, at).trim();
      const why = at === -1 ? '' : e.slice(at + 1).trim();
      if (!what || !why) throw new InputError('USAGE', `--exclusion must be "WHAT: WHY", such as "applicants under 18: not eligible for credit"; got ${JSON.stringify(e)}`, { flag: 'exclusion' });
      return { what, why };
    });
  }

  const contact = textFlag('contact', flags.contact);
  const team = textFlag('team', flags.team);
  if (contact !== undefined || team !== undefined) {
    out.contact = { ...(contact === undefined ? {} : contact.includes('@') ? { email: contact } : { name: contact }), ...(team !== undefined ? { team } : {}) };
  }
  return checkProvenance(out, 'flags');
}

/**
 * `over` (flags) on top of `base` (a file): a question answered in `over` replaces the file's
 * answer, except rights and contact, merged field by field (`--licence` keeps the file's consent).
 */
export function mergeProvenance(base: ProvenanceAnswers, over: ProvenanceAnswers): ProvenanceAnswers {
  const out: ProvenanceAnswers = { ...base };
  for (const q of PROVENANCE_QUESTIONS) {
    const v = over[q];
    if (v === undefined || v === null) continue;
    if (q === 'rights' || q === 'contact') (out as Record<string, unknown>)[q] = { ...(base[q] ?? {}), ...(v as object) };
    else (out as Record<string, unknown>)[q] = v;
  }
  return out;
}
