// Every reader of outside input, fed mutations of a valid input and random ones (issue 9, point 2):
// a result or a CognifyError, nothing else, within a time limit; and a refused bundle import
// leaves no repository behind.
import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, type CborValue } from '../../src/core/cbor.js';
import { decodeObject } from '../../src/store/object-codec.js';
import { schemas } from '../../src/api/repo.js';
import { parseSafetensorsHeader } from '../../src/runs/safetensors.js';
import { parsePolicy } from '../../src/policy/policy-doc.js';
import { parseProvenanceYaml } from '../../src/diff/provenance.js';
import { parseAnswers } from '../../src/cards/answers.js';
import { parseLmEvalResults } from '../../src/runs/lm-eval.js';
import { parsePythonJson } from '../../src/runs/python-json.js';
import { readMlruns } from '../../src/runs/mlflow.js';
import { diffFiles, statOf } from '../../src/api/diff.js';
import { createBundle, importBundle, verifyBundle } from '../../src/api/bundles.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { parseArgs, type FlagSpec } from '../../bin/args.js';
import { newRepo, person } from '../_fixtures.js';
import { check, FILE_RUNS, mutated, mutatedText, outcome } from './_fuzz.js';

const text = (p: string) => readFileSync(resolve(p), 'utf8');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cognify-fuzz-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

let n = 0;
const file = async (bytes: Uint8Array | string, ext: string) => {
  const p = join(tmp, `f${n++}.${ext}`);
  await writeFile(p, bytes);
  return p;
};

describe('in-memory readers', () => {
  it('the CBOR decoder', async () => {
    const sample = { type: 'x', v: 1, n: -7, big: 2n ** 63n, f: 1.5, h: 0.1, s: 'naïve ✓', b: new Uint8Array([1, 2, 3]), a: [1, [2, [3, { k: null, t: true }]]], m: { z: false, '': '' } } as unknown as CborValue;
    await check(mutated(encode(sample)), async (b) => outcome(() => decode(b)));
  });

  it('an object read back from the store (CBOR, then its schema)', async () => {
    const ada = person('Ada');
    await check(mutated(encode(ada.identity as unknown as CborValue)), async (b) => outcome(() => decodeObject(schemas, b, 'fuzzed object')));
  });

  it('a safetensors header', async () => {
    const raw = readFileSync(resolve('fixtures/runs/credit-lora/checkpoint-80/adapter_model.safetensors'));
    const len = Number(raw.readBigUInt64LE(0));
    const header = raw.subarray(8, 8 + len);
    await check(fc.tuple(mutated(header), fc.oneof(fc.constant(raw.length), fc.nat(2 ** 40))), async ([h, size]) => outcome(() => parseSafetensorsHeader(h, size, 'fuzzed.safetensors')));
  });

  it('a policy, a provenance file and an answers file (YAML)', async () => {
    await check(mutatedText(text('fixtures/policies/bank.yaml')), async (t) => outcome(() => parsePolicy(t, 'policy.yaml')));
    await check(mutatedText(text('fixtures/datasets/credit-decisions.provenance.yaml')), async (t) => outcome(() => parseProvenanceYaml(t, 'provenance.yaml')));
    await check(mutatedText(text('fixtures/cards/credit-lora.answers.yaml')), async (t) => outcome(() => parseAnswers(t, 'answers.yaml')));
  });

  it('lm-evaluation-harness results and the Python JSON they are written in', async () => {
    const results = text('fixtures/runs/lm-eval/results_2026-11-20T14-03-51.482913.json');
    await check(mutatedText(results), async (t) => outcome(() => parseLmEvalResults(t, 'results.json')));
    await check(mutatedText('{"a": [1, 2.5, NaN, -Infinity, "s\\u00e9"], "b": {"c": null, "d": true}}'), async (t) => outcome(() => parsePythonJson(t)));
  });

  it('the CLI argument parser', async () => {
    const spec: FlagSpec = { key: { type: 'string' }, limit: { type: 'string', short: 'n' }, stat: { type: 'boolean' }, dataset: { type: 'string', repeat: true }, json: { type: 'boolean' }, C: { type: 'string', short: 'C' } };
    const arg = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('--key', '--key=', '-n', '-n5', '--stat', '--stat=yes', '--dataset', '--', '-', '--json', '-C', '--no-stat', '-Cx', '--unknown', '-zz'));
    await check(fc.array(arg, { maxLength: 10 }), async (argv) => outcome(() => parseArgs(argv, spec)));
  });
});

describe('file readers', () => {
  it('CSV, TSV and JSONL, diffed against the valid file', async () => {
    for (const [fixture, ext] of [
      ['fixtures/datasets/credit-decisions.v1.csv', 'csv'],
      ['fixtures/datasets/clinical-notes.tsv', 'tsv'],
      ['fixtures/datasets/support-chat.v1.jsonl', 'jsonl'],
    ] as const) {
      const valid = readFileSync(resolve(fixture));
      const head = valid.subarray(0, 4000);
      await check(
        mutated(head),
        async (b) => outcome(async () => statOf(diffFiles(await file(head, ext), await file(b, ext), nodeProvider, ext === 'jsonl' ? { key: '/id' } : {}))),
        FILE_RUNS,
      );
    }
  });

  it('Parquet', async () => {
    const valid = readFileSync(resolve('fixtures/datasets/credit-decisions.v1.parquet'));
    const a = await file(valid, 'parquet');
    await check(mutated(valid), async (b) => outcome(async () => statOf(diffFiles(a, await file(b, 'parquet'), nodeProvider))), FILE_RUNS);
  });

  it('an MLflow store with one file changed', async () => {
    const src = resolve('fixtures/runs/mlruns');
    const run = '417203983742091245/3f9c2a7e4b1d4e8fa6c05d2b7e91a4c3/meta.yaml';
    const target = `fixtures/runs/mlruns/${run}`;
    const valid = text(target);
    await check(
      mutatedText(valid),
      async (t) => {
        const dir = join(tmp, `mlruns${n++}`);
        await cp(src, dir, { recursive: true });
        await writeFile(join(dir, run), t);
        return outcome(() => readMlruns(dir));
      },
      FILE_RUNS,
    );
  });

  it('a bundle: verified or refused, and a refused import leaves no repository', async () => {
    const ada = person('Ada');
    const repo = await newRepo(join(tmp, 'source'), ada);
    const bundle = join(tmp, 'valid.bundle');
    try {
      await repo.datasets.commit({ name: 'credit', input: resolve('fixtures/datasets/credit-decisions.v1.csv'), key: 'applicant_id', signer: ada.signer });
      await createBundle(repo, { file: bundle, signer: ada.signer });
    } finally {
      await repo.close();
    }
    const valid = readFileSync(bundle);
    let accepted = 0;
    await check(
      mutated(valid),
      async (b) => {
        const f = await file(b, 'bundle');
        const v = await outcome(async () => {
          if ((await verifyBundle(f)).ok) accepted++;
        });
        const target = join(tmp, `imported${n++}`);
        const i = await outcome(() => importBundle(f, target));
        if (i === 'refused') expect(existsSync(target)).toBe(false);
        return v === 'ok' && i === 'ok' ? 'ok' : 'refused';
      },
      FILE_RUNS,
    );
    // Mutations are of bytes that matter: at most a cut-off trailing part could pass.
    expect(accepted).toBeLessThan(FILE_RUNS / 2);
  });
});
