// Evaluations attached to a run as signed evidence: lm-evaluation-harness results assessed against
// the compliance objectives mapping (src/runs/objectives.ts), and fairness metrics computed from a
// predictions file (src/runs/predictions.ts). Each is an `eval` object plus a new version of the
// run that lists it, written in one logged action; the run may be finished (evidence often comes
// after training).
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { toHex } from '../core/bytes.js';
import { InputError, NotFoundError, tagCaller } from '../core/errors.js';
import type { ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import { signObject } from '../chain/signed-object.js';
import type { Signer } from '../chain/signer.js';
import { readLmEvalResults } from '../runs/lm-eval.js';
import { assessObjectives, loadObjectiveMapping, SHIPPED_OBJECTIVE_MAPPING_YAML } from '../runs/objectives.js';
import { biasFromPredictions, type PredictionColumns } from '../runs/predictions.js';
import { fieldsOf, toCborJson, type EvalObject, type JsonValue } from '../runs/run-types.js';
import type { BiasResult } from '../runs/bias.js';
import type { Runs, StoredRun } from './runs.js';
import type { Repo } from './repo.js';

async function fileDigest(repo: Repo, path: string): Promise<{ sha256: string; bytes: number }> {
  const h = repo.crypto.createSha256();
  let bytes = 0;
  try {
    for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 })) {
      h.update(piece as Uint8Array);
      bytes += (piece as Uint8Array).length;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('NOT_FOUND', `no file ${path}`, { path });
    throw e;
  }
  return { sha256: toHex(h.digest()), bytes };
}

async function attach(repo: Repo, runs: Runs, opts: { run: string; signer: Signer; kind: EvalObject['kind']; file: string; summary: Record<string, unknown>; detail: Record<string, unknown>; digest: { sha256: string; bytes: number } }) {
  if (opts.run.includes('@')) throw new InputError('USAGE', `attach evaluations to a run by its name, not to one of its versions ("${opts.run}")`, { run: opts.run });
  const prev = await runs.resolve(opts.run);
  const w = await runs.write({
    name: prev.version.name,
    action: 'eval.record',
    signer: opts.signer,
    fields: fieldsOf(prev.version),
    previous: prev,
    extra: (tx) => {
      const obj = signObject(
        repo.crypto,
        {
          type: 'eval',
          v: 1,
          repo: repo.id,
          run: prev.version.name,
          kind: opts.kind,
          source: { file: basename(opts.file), ...opts.digest },
          summary: toCborJson(opts.summary) as Record<string, JsonValue>,
          detail: toCborJson(opts.detail) as Record<string, JsonValue>,
          time: repo.now(),
        } as unknown as CognifyObject,
        opts.signer,
      );
      return tx.putObject(obj).id;
    },
  });
  const version = (await repo.store.get(w.run, 'run')).value as unknown as StoredRun['version'];
  return { eval: version.evals[version.evals.length - 1] as ObjectId, run: w.run, number: w.number };
}

/** Whether the run already holds a bias evaluation (it then covers non-discrimination). */
async function hasBiasEval(repo: Repo, run: StoredRun): Promise<boolean> {
  for (const id of run.version.evals) if (((await repo.store.get(id as ObjectId, 'eval')).value as unknown as EvalObject).kind === 'bias') return true;
  return false;
}

export interface LmEvalImportResult {
  eval: ObjectId;
  run: ObjectId;
  tasks: number;
  failed: { task: string; metric: string; value: number; threshold: number; direction: string; objectives: string[] }[];
  gaps: string[];
  unmapped: string[];
}

/** `cognify eval import <results.json> --run <run>`. */
export async function importLmEval(repo: Repo, runs: Runs, opts: { file: string; run: string; signer: Signer; mapping?: string }): Promise<LmEvalImportResult> {
  try {
    const prev = await runs.resolve(opts.run);
    const results = await readLmEvalResults(opts.file);
    const mapping = await loadObjectiveMapping(opts.mapping);
    const a = assessObjectives(results.tasks, mapping, (await hasBiasEval(repo, prev)) ? { extraCovered: ['non-discrimination'] } : {});
    const digest = await fileDigest(repo, opts.file);
    // The mapping that decided pass and fail is pinned by its hash: thresholds are a policy choice.
    const mappingRef = opts.mapping
      ? { file: basename(opts.mapping), sha256: (await fileDigest(repo, opts.mapping)).sha256 }
      : { file: 'shipped', sha256: toHex(repo.crypto.sha256(new TextEncoder().encode(SHIPPED_OBJECTIVE_MAPPING_YAML))) };
    const summary = { harness: results.harness, model: results.model, gitHash: results.gitHash, tasks: results.tasks.length, failed: a.failed.map((c) => `${c.task} ${c.metric}`), gaps: a.gaps, covered: a.covered, mapping: mappingRef };
    const detail = { ...results, file: basename(results.file), assessment: a };
    const r = await attach(repo, runs, { run: opts.run, signer: opts.signer, kind: 'lm-eval', file: opts.file, summary, detail, digest });
    return { ...r, tasks: results.tasks.length, failed: a.failed, gaps: a.gaps, unmapped: a.unmapped };
  } catch (e) {
    throw tagCaller(e, 'evals.importLmEval');
  }
}

export interface BiasEvalResult extends BiasResult {
  eval: ObjectId;
  run: ObjectId;
  rows: number;
  positive: string;
}

/** `cognify eval bias <predictions> --run <run> --group ... --label ... --pred ...`. */
export async function evalBias(repo: Repo, runs: Runs, opts: { file: string; run: string; signer: Signer; columns: PredictionColumns }): Promise<BiasEvalResult> {
  try {
    await runs.resolve(opts.run);
    const b = await biasFromPredictions({ path: opts.file, columns: opts.columns });
    const digest = await fileDigest(repo, opts.file);
    const summary = {
      rows: b.rows,
      groups: opts.columns.groups,
      label: opts.columns.label,
      pred: opts.columns.pred,
      positive: b.positive,
      demographicParityDifference: b.result.demographicParityDifference,
      equalizedOddsDifference: b.result.equalizedOddsDifference,
      fourFifthsViolations: b.result.fourFifthsViolations.map((v) => `${v.attribute}=${v.value}`),
      warnings: b.result.warnings.length,
    };
    const r = await attach(repo, runs, { run: opts.run, signer: opts.signer, kind: 'bias', file: opts.file, summary, detail: { ...b.result, columns: opts.columns, format: b.format }, digest });
    return { ...b.result, ...r, rows: b.rows, positive: b.positive };
  } catch (e) {
    throw tagCaller(e, 'evals.bias');
  }
}
