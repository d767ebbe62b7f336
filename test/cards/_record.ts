// The fixture repository the document tests read: built through the public API from the shipped
// fixtures, with deterministic keys, a fixed clock and a fixed repository nonce, so that every
// object id, and so every generated document, is the same on every machine (golden files).
// A bank run (credit-lora: two dataset versions, checkpoints, lm-eval and bias evals, the bank
// policy, three signatures) and a hospital dataset (clinical-notes: scanned, waived, approved by
// the privacy officer, provenance half answered).
import { join } from 'node:path';
import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { initRepo } from '../../src/api/init-repo.js';
import type { Repo } from '../../src/api/repo.js';
import { readProvenanceFile } from '../../src/diff/provenance.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { parseAnswers } from '../../src/cards/answers.js';
import { person } from '../_fixtures.js';

export const ada = person('Ada'); // admin, ML lead: commits the data, records the run
export const alan = person('Alan'); // model risk: validates, computes the bias metrics
export const grace = person('Grace'); // compliance
export const priya = person('Priya'); // privacy officer

/** A clock that ticks one second per reading from a fixed time. */
export function fixedClock(start = Date.UTC(2026, 10, 20, 9, 0, 0)): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

const fixedCrypto = { ...nodeProvider, randomBytes: (n: number) => new Uint8Array(n).fill(42) };

/** Build the fixture repository in `dir` (which must not exist). `code` is a scratch directory for the training code's git tree. */
export async function buildRecord(dir: string, code: string): Promise<Repo> {
  const now = fixedClock();
  const repo = await initRepo({ dir, signer: ada.signer, identity: ada.identity, name: 'credit-scoring-llm', crypto: fixedCrypto, now });
  for (const p of [alan, grace, priya]) await repo.addIdentity({ identity: p.identity, signer: ada.signer });
  await repo.grantRole({ who: ada.email, role: 'ml-engineer', signer: ada.signer });
  await repo.grantRole({ who: alan.email, role: 'model-risk', signer: ada.signer });
  await repo.grantRole({ who: grace.email, role: 'compliance', signer: ada.signer });
  await repo.grantRole({ who: priya.email, role: 'privacy-officer', signer: ada.signer });
  const provenance = await readProvenanceFile('fixtures/datasets/credit-decisions.provenance.yaml');
  await repo.datasets.commit({ name: 'credit-decisions', input: 'fixtures/datasets/credit-decisions.v1.csv', key: 'applicant_id', message: 'October decisions', provenance, signer: ada.signer });
  await repo.datasets.commit({ name: 'credit-decisions', input: 'fixtures/datasets/credit-decisions.v2.csv', message: 'November decisions, model_version column', provenance, signer: ada.signer });
  await repo.datasets.commit({
    name: 'clinical-notes',
    input: 'fixtures/datasets/clinical-notes.tsv',
    message: 'discharge notes for the summariser',
    provenance: { source: 'St Elsewhere EHR discharge summaries', rights: { legalBasis: 'HIPAA 45 CFR 164.506 (health care operations)' }, contact: { team: 'Clinical Informatics' } },
    signer: ada.signer,
  });

  // The training code: a git working tree with one uncommitted edit, at fixed times.
  fs.mkdirSync(code, { recursive: true });
  fs.writeFileSync(join(code, 'train.py'), 'from transformers import Trainer\n');
  fs.writeFileSync(join(code, 'config.yaml'), 'learning_rate: 2.0e-4\nlora_r: 4\n');
  await git.init({ fs, dir: code, defaultBranch: 'main' });
  await git.add({ fs, dir: code, filepath: '.' });
  await git.commit({ fs, dir: code, message: 'LoRA training script', author: { name: 'Ada', email: ada.email, timestamp: 1763900000, timezoneOffset: 0 } });
  await git.addRemote({ fs, dir: code, remote: 'origin', url: 'https://git.example.org/credit/explainer.git' });
  fs.writeFileSync(join(code, 'config.yaml'), 'learning_rate: 2.0e-4\nlora_r: 4\nlora_alpha: 8\n');

  await repo.runs.recordTrainer({
    dir: 'fixtures/runs/credit-lora',
    name: 'credit-lora',
    baseModel: { name: 'HuggingFaceTB/SmolLM2-135M', revision: '73b05320f8108bd153078a14331da460be9b0a6d', trainingFlops: 1.62e21 },
    datasets: [
      { role: 'train', ref: 'credit-decisions@2' },
      { role: 'eval', ref: 'credit-decisions@1' },
    ],
    code,
    compute: { gpuModel: 'NVIDIA L4', gpuCount: 1, gpuHours: 0.25 },
    signer: ada.signer,
  });
  await repo.runs.importLmEval({ file: 'fixtures/runs/lm-eval/results_2026-11-20T14-03-51.482913.json', run: 'credit-lora', signer: ada.signer });
  await repo.runs.evalBias({
    file: 'fixtures/runs/predictions/credit-decisions.predictions.csv',
    run: 'credit-lora',
    columns: { groups: ['sex', 'ethnicity'], label: 'label', pred: 'pred', positive: 'approve' },
    signer: alan.signer,
  });
  // The hospital's privacy officer releases the notes (before the bank's policy, which is about credit).
  const notes = await repo.scan('clinical-notes', { signer: priya.signer });
  if (notes.findings.date) await repo.scans.waive({ dataset: 'clinical-notes', kind: 'date', reason: 'Admission and discharge dates are shifted by a per-patient offset before export (expert determination ED-2026-04)', signer: priya.signer });
  await repo.approvals.sign({ subject: 'clinical-notes', meaning: 'approved', role: 'privacy-officer', comment: 'Released for summariser training under ED-2026-04', signer: priya.signer });
  await repo.policy.set({ file: 'fixtures/policies/bank.yaml', signer: ada.signer });
  await repo.approvals.sign({ subject: 'credit-lora', meaning: 'authored', comment: 'Ready for independent validation', signer: ada.signer });
  await repo.approvals.sign({ subject: 'credit-lora', meaning: 'approved', comment: 'Independent validation complete; four-fifths finding on ethnicity accepted with monitoring', signer: alan.signer });
  await repo.approvals.sign({ subject: 'credit-lora', meaning: 'approved', comment: 'Fair-lending review complete', signer: grace.signer });
  await repo.scan('credit-decisions@2', { signer: grace.signer });
  await repo.scan('credit-decisions@1', { signer: grace.signer });
  return repo;
}

/** The complete answers shipped for the demo's run and its datasets, and for the hospital's notes. */
export const ANSWERS_FILE = 'fixtures/cards/credit-lora.answers.yaml';
export const NOTES_ANSWERS_FILE = 'fixtures/cards/clinical-notes.answers.yaml';

export function answers(subject = 'credit-lora'): ReturnType<typeof parseAnswers> {
  const file = subject.startsWith('clinical-notes') ? NOTES_ANSWERS_FILE : ANSWERS_FILE;
  return parseAnswers(fs.readFileSync(file, 'utf8'), file);
}
