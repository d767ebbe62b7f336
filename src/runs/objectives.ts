// Compliance objectives and the benchmarks that give evidence for them: a mapping (YAML, shape and
// matching rules documented at the top of eval-objectives.yaml) and the assessment of lm-eval
// results against it. The assessment says, per mapped task, whether its metric clears the
// threshold; which objectives the results cover; which objectives nothing covers (gaps); and which
// tasks the mapping does not know (unmapped). A gap is not a failure: it is evidence that is missing,
// which the record states rather than hides (NIST AI RMF MEASURE 1.1: characteristics that are not
// measured are documented).
//
// The shipped mapping is embedded as SHIPPED_OBJECTIVE_MAPPING_YAML (eval-objectives.ts) rather than read from
// eval-objectives.yaml at run time: tsc does not copy .yaml into dist/, and the package ships dist/
// but not src/, so a file lookup relative to this module would work under vitest and fail for an
// installed CLI. eval-objectives.yaml stays the readable copy to start a custom mapping from, and
// test/runs/objectives.test.ts fails unless the two are byte for byte equal.
import { SHIPPED_OBJECTIVE_MAPPING_YAML } from './eval-objectives.js';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { yamlData } from '../core/yaml.js';
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import type { EvalMetric, EvalTask } from './lm-eval.js';
import { readSmallFile } from './small-file.js';

/** Objective ids: lowercase words joined by "-" (factual-accuracy). */
export const OBJECTIVE_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** A mapping file is a page of YAML; anything this large is not one. */
export const MAX_MAPPING_BYTES = 1 << 20;
/** The name the shipped mapping goes by in messages and records. */
export const SHIPPED_MAPPING_NAME = 'eval-objectives.yaml (shipped with Cognify)';

export type Direction = 'higher' | 'lower';

export interface Objective {
  id: string;
  title: string;
  description: string | null;
  /** Regulation or framework clauses the objective answers. */
  sources: string[];
}

export interface BenchmarkRule {
  /** lm-eval task or group name. */
  task: string;
  objectives: string[];
  metric: string;
  /** Default "none". */
  filter: string;
  threshold: number;
  /** null: the results file's higher_is_better decides. */
  direction: Direction | null;
  note: string | null;
}

export interface ObjectiveMapping {
  /** The file it was read from, or SHIPPED_MAPPING_NAME. */
  source: string;
  objectives: Objective[];
  benchmarks: BenchmarkRule[];
}

export interface ObjectiveCheck {
  task: string;
  metric: string;
  filter: string;
  value: number;
  stderr: number | null;
  threshold: number;
  direction: Direction;
  /** value >= threshold (higher) or value <= threshold (lower). */
  passed: boolean;
  objectives: string[];
}

export interface ObjectiveAssessment {
  /** One per mapped task in the results, in results order. */
  checks: ObjectiveCheck[];
  failed: ObjectiveCheck[];
  /** Objectives some task in the results (or opts.extraCovered) gives evidence for, in mapping order. */
  covered: string[];
  /** Objectives nothing covers, in mapping order. */
  gaps: string[];
  /** Tasks with no mapping, outermost only (a group, not also each of its subtasks), in results order. */
  unmapped: string[];
}

const nonEmpty = z.string().trim().min(1);
const objectiveSchema = z.strictObject({
  title: nonEmpty,
  description: nonEmpty.optional(),
  sources: z.array(nonEmpty).min(1),
});
const benchmarkSchema = z.strictObject({
  objectives: z.array(z.string()).min(1),
  metric: nonEmpty,
  filter: nonEmpty.optional(),
  threshold: z.number(),
  direction: z.enum(['higher', 'lower']).optional(),
  note: nonEmpty.optional(),
});
const mappingSchema = z.strictObject({
  version: z.literal(1),
  objectives: z.record(z.string().regex(OBJECTIVE_ID), objectiveSchema),
  benchmarks: z.record(z.string().regex(/^\S+$/), benchmarkSchema),
});

const ALLOWED_KEYS: Record<string, string[]> = {
  '': Object.keys(mappingSchema.shape),
  objectives: Object.keys(objectiveSchema.shape),
  benchmarks: Object.keys(benchmarkSchema.shape),
};

interface Problem {
  path: PropertyKey[];
  /** Point at this key of the map at `path` rather than at the map. */
  key?: string;
  message: string;
  /** A required key is absent (reported only if its map has no unknown key, likely the misspelling). */
  missing?: boolean;
}

/** "benchmarks.hellaswag.objectives[1]" */
function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '') || 'the top level';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null (an empty value)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the text ${JSON.stringify(v)}`;
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}

function problemOf(issue: z.core.$ZodIssue, data: unknown): Problem {
  const path = issue.path;
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = ALLOWED_KEYS[path.length === 0 ? '' : String(path[0])] ?? [];
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return { path, key: issue.keys[0]!, message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}; the keys allowed here are ${allowed.join(', ')}` };
    }
    case 'invalid_key': {
      const key = String(path[path.length - 1]);
      const parent = path.slice(0, -1);
      const what = parent[0] === 'objectives' ? 'objective ids are lowercase words joined by "-", such as factual-accuracy' : 'a task name has no spaces';
      return { path: parent, key, message: `${JSON.stringify(key)} is not a valid name: ${what}` };
    }
    case 'invalid_type':
      if (value === undefined) return { path, missing: true, message: `missing; add ${String(path[path.length - 1])}: <${issue.expected}>` };
      return { path, message: `expected ${issue.expected === 'record' || issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, got ${describe(value)}` };
    case 'invalid_value':
      return { path, message: `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describe(value)}` };
    case 'too_small':
      return { path, message: issue.origin === 'array' ? 'needs at least one item' : 'must not be empty' };
    default:
      return { path, message: issue.message };
  }
}

/** Cross-references zod cannot see: every objective a benchmark names is defined. */
function referenceProblems(data: z.infer<typeof mappingSchema>): Problem[] {
  const ids = Object.keys(data.objectives);
  const problems: Problem[] = [];
  if (!ids.length) problems.push({ path: ['objectives'], message: 'defines no objectives; a mapping needs at least one' });
  for (const [task, b] of Object.entries(data.benchmarks)) {
    b.objectives.forEach((id, i) => {
      if (!ids.includes(id)) {
        problems.push({
          path: ['benchmarks', task, 'objectives', i],
          message: `unknown objective ${JSON.stringify(id)}; define it under objectives, or use one of ${ids.join(', ')}`,
        });
      }
    });
  }
  return problems;
}

function locate(doc: Document, lines: LineCounter, p: Problem): { line: number; column: number } | null {
  let node = doc.getIn(p.path, true) as { range?: [number, number, number] } | undefined;
  // A missing key: point at the map that should hold it.
  for (let n = p.path.length; !node && n > 0; n--) node = doc.getIn(p.path.slice(0, n - 1), true) as typeof node;
  let at = node?.range?.[0];
  if (p.key !== undefined && isMap(node)) {
    const pair = node.items.find((i) => isScalar(i.key) && String(i.key.value) === p.key);
    if (pair && isScalar(pair.key) && pair.key.range) at = pair.key.range[0];
  }
  if (at === undefined) at = doc.contents?.range?.[0];
  if (at === undefined) return null;
  const { line, col } = lines.linePos(at);
  return { line, column: col };
}

function fail(name: string, at: { line: number; column: number } | null, message: string, data: Record<string, unknown> = {}): InputError {
  return new InputError('INPUT_INVALID', `${name}${at ? `:${at.line}:${at.column}` : ''}: ${message}`, { file: name, ...(at ?? {}), ...data });
}

/**
 * Parses and validates a mapping. YAML 1.2 core schema (`0.35` is a number, `"0.35"` is text and
 * refused as a threshold), duplicate keys are errors, unknown keys are errors. Every error starts
 * with `name:line:column`, pointing at the first problem in the file.
 */
export function parseObjectiveMapping(text: string, name: string): ObjectiveMapping {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const err = doc.errors[0];
  if (err) {
    const { line, col } = lines.linePos(err.pos[0]);
    const hint =
      err.code === 'DUPLICATE_KEY'
        ? 'a name may appear only once in a mapping; remove or rename the second'
        : err.code === 'TAB_AS_INDENT'
          ? 'indent with spaces, not tabs'
          : 'check the indentation: nested keys are indented under their parent, siblings by the same amount';
    throw fail(name, { line, column: col }, `YAML syntax error: ${err.message.split('\n')[0]}; ${hint}`, { yaml: err.code });
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    throw fail(name, null, 'the mapping is empty; write version: 1, objectives: and benchmarks: (see the shipped eval-objectives.yaml)');
  }
  if (!isMap(doc.contents)) throw fail(name, locate(doc, lines, { path: [], message: '' }), 'expected a YAML mapping with keys version, objectives, benchmarks at the top level');

  const data: unknown = yamlData(doc, name);
  const r = mappingSchema.safeParse(data);
  let problems = r.success ? referenceProblems(r.data) : r.error.issues.map((i) => problemOf(i, data));
  // "treshold: 0.3" gives both "unknown key treshold" and "threshold missing"; the first says what to fix.
  const misspelt = new Set(problems.filter((p) => p.key !== undefined).map((p) => pathText(p.path)));
  problems = problems.filter((p) => !(p.missing && misspelt.has(pathText(p.path.slice(0, -1)))));
  if (problems.length) {
    const located = problems.map((p) => ({ p, at: locate(doc, lines, p) }));
    located.sort((a, b) => (a.at?.line ?? Infinity) - (b.at?.line ?? Infinity) || (a.at?.column ?? 0) - (b.at?.column ?? 0));
    const { p, at } = located[0]!;
    throw fail(name, at, `${pathText(p.path)}: ${p.message}`, { path: pathText(p.path) });
  }
  const m = r.data!;
  return {
    source: name,
    objectives: Object.entries(m.objectives).map(([id, o]) => ({ id, title: o.title, description: o.description ?? null, sources: o.sources })),
    benchmarks: Object.entries(m.benchmarks).map(([task, b]) => ({
      task,
      objectives: [...new Set(b.objectives)],
      metric: b.metric,
      filter: b.filter ?? 'none',
      threshold: b.threshold,
      direction: b.direction ?? null,
      note: b.note ?? null,
    })),
  };
}

/** The mapping at `path`, or the shipped one. */
export async function loadObjectiveMapping(path?: string): Promise<ObjectiveMapping> {
  if (path === undefined) return parseObjectiveMapping(SHIPPED_OBJECTIVE_MAPPING_YAML, SHIPPED_MAPPING_NAME);
  const text = await readSmallFile(path, {
    cap: MAX_MAPPING_BYTES,
    what: 'objectives mapping file',
    limitFor: 'an objectives mapping',
    hint: 'give a YAML file shaped like the shipped eval-objectives.yaml',
    data: { file: path },
  });
  return parseObjectiveMapping(text, path);
}

/** Which way is better for one check: the mapping's word and the file's must agree when both exist. */
function directionOf(rule: BenchmarkRule, metric: EvalMetric, source: string): Direction {
  const fromFile: Direction | null = metric.higherIsBetter === null ? null : metric.higherIsBetter ? 'higher' : 'lower';
  if (rule.direction && fromFile && rule.direction !== fromFile) {
    throw new InputError(
      'INPUT_INVALID',
      `${rule.task} ${metric.name}: the mapping ${source} says ${rule.direction} is better, but the results file says higher_is_better is ${String(metric.higherIsBetter)}; check benchmarks.${rule.task}.metric and direction`,
      { task: rule.task, metric: metric.name },
    );
  }
  const d = rule.direction ?? fromFile;
  if (!d) {
    throw new InputError(
      'INPUT_INVALID',
      `${rule.task} ${metric.name}: the results file does not say whether higher is better and the mapping ${source} gives no direction; add direction: higher or lower to benchmarks.${rule.task}`,
      { task: rule.task, metric: metric.name },
    );
  }
  return d;
}

/**
 * Whether `t` belongs to the group `g`: by the file's group tree when `g` carries one (transitively),
 * otherwise, for files without group_subtasks, by name (`mmlu_anatomy` under `mmlu`).
 */
function membership(byName: Map<string, EvalTask>): (t: string, g: EvalTask) => boolean {
  const memo = new Map<string, Set<string>>();
  const descendants = (g: EvalTask): Set<string> => {
    let out = memo.get(g.task);
    if (out) return out;
    out = new Set();
    const stack = [...(g.subtasks ?? [])];
    while (stack.length) {
      const s = stack.pop()!;
      if (out.has(s) || s === g.task) continue;
      out.add(s);
      stack.push(...(byName.get(s)?.subtasks ?? []));
    }
    memo.set(g.task, out);
    return out;
  };
  return (t, g) => t !== g.task && (g.subtasks !== undefined ? descendants(g).has(t) : g.group && t.startsWith(`${g.task}_`));
}

/**
 * Checks `tasks` (from readLmEvalResults) against `mapping`. `extraCovered` names objectives covered
 * by other evidence on the run (a `cognify eval bias` result covers non-discrimination); ids the
 * mapping does not define are ignored, since a custom mapping may name its objectives differently.
 * Throws an InputError when a mapped task lacks the mapped metric or its direction is contradictory
 * or unknown: the mapping does not fit these results, and guessing would misreport the check.
 */
export function assessObjectives(tasks: EvalTask[], mapping: ObjectiveMapping, opts: { extraCovered?: string[] } = {}): ObjectiveAssessment {
  const byName = new Map<string, EvalTask>();
  for (const t of tasks) {
    if (byName.has(t.task)) throw new InputError('INPUT_INVALID', `task ${t.task} appears twice in the results; assess one results file at a time`, { task: t.task });
    byName.set(t.task, t);
  }
  const rules = new Map(mapping.benchmarks.map((b) => [b.task, b]));

  const checks: ObjectiveCheck[] = [];
  for (const t of tasks) {
    const rule = rules.get(t.task);
    if (!rule) continue;
    const metric = t.metrics.find((m) => m.name === rule.metric && m.filter === rule.filter);
    if (!metric) {
      const have = t.metrics.map((m) => `${m.name},${m.filter}`).join(', ') || 'no metrics';
      throw new InputError(
        'INPUT_INVALID',
        `the results for ${t.task} have no metric "${rule.metric},${rule.filter}" (they have ${have}); fix benchmarks.${t.task}.metric or filter in ${mapping.source}`,
        { task: t.task, metric: `${rule.metric},${rule.filter}` },
      );
    }
    const direction = directionOf(rule, metric, mapping.source);
    checks.push({
      task: t.task,
      metric: metric.name,
      filter: metric.filter,
      value: metric.value,
      stderr: metric.stderr,
      threshold: rule.threshold,
      direction,
      passed: direction === 'higher' ? metric.value >= rule.threshold : metric.value <= rule.threshold,
      objectives: [...rule.objectives],
    });
  }

  const defined = mapping.objectives.map((o) => o.id);
  const hit = new Set([...checks.flatMap((c) => c.objectives), ...(opts.extraCovered ?? [])]);
  const covered = defined.filter((id) => hit.has(id));

  const belongs = membership(byName);
  const checked = tasks.filter((t) => rules.has(t.task));
  const loose = tasks.filter((t) => !rules.has(t.task) && !checked.some((g) => belongs(t.task, g)));
  const unmapped = loose.filter((t) => !loose.some((g) => belongs(t.task, g))).map((t) => t.task);

  return { checks, failed: checks.filter((c) => !c.passed), covered, gaps: defined.filter((id) => !hit.has(id)), unmapped };
}

export { SHIPPED_OBJECTIVE_MAPPING_YAML };
