#!/usr/bin/env node
// npm run demo: the record end to end, with the real CLI, in a temporary repository and a
// temporary keystore. Nothing outside the temporary directory is touched.
//   --keep            keep the temporary directory and say where it is
//   --serve [--port N]  then leave the reviewer's page (cognify serve) running on the record
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/cognify.cjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cognify-demo-'));
const repo = join(root, 'record');
const env = { ...process.env, COGNIFY_HOME: join(root, 'keystore'), COGNIFY_PASSPHRASE: 'demo passphrase, not for production' };
const serve = process.argv.includes('--serve');
const keep = serve || process.argv.includes('--keep');
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function cognify(args, { expectFail = false } = {}) {
  process.stdout.write(`\n${bold(`$ cognify ${args.join(' ')}`)}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { env, cwd: root, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stdout.write(r.stderr);
  if ((r.status !== 0) !== expectFail) {
    process.stderr.write(`demo: cognify ${args.join(' ')} exited ${r.status}${expectFail ? ', expected a failure' : ''}\n`);
    process.exit(1);
  }
  return r.stdout;
}

console.log(`Cognify demo in ${root}`);
console.log('Three people: Ada (ML lead, creates the record), Grace (compliance), Alan (model risk).');
cognify(['id', 'new', '--name', 'Ada Lovelace', '--email', 'ada@example.org']);
cognify(['id', 'new', '--name', 'Grace Hopper', '--email', 'grace@example.org']);
cognify(['id', 'new', '--name', 'Alan Turing', '--email', 'alan@example.org']);
cognify(['init', repo, '--name', 'credit-scoring-llm', '--as', 'ada@example.org']);
for (const who of ['grace', 'alan']) {
  cognify(['id', 'export', `${who}@example.org`, '-o', join(root, `${who}.identity.json`)]);
  cognify(['-C', repo, 'id', 'import', join(root, `${who}.identity.json`), '--as', 'ada@example.org']);
}
cognify(['-C', repo, 'role', 'grant', 'grace@example.org', 'compliance', '--as', 'ada@example.org']);
cognify(['-C', repo, 'role', 'grant', 'alan@example.org', 'model-risk', '--as', 'ada@example.org']);
console.log('\nGrace holds compliance, not admin: the repository refuses her grant and changes nothing.');
cognify(['-C', repo, 'role', 'grant', 'alan@example.org', 'admin', '--as', 'grace@example.org'], { expectFail: true });
cognify(['-C', repo, 'role', 'list']);
const fixtures = fileURLToPath(new URL('../fixtures/datasets/', import.meta.url));
console.log('\nAda commits two versions of a credit-decisioning dataset, like code.');
cognify(['-C', repo, 'dataset', 'commit', 'credit-decisions', join(fixtures, 'credit-decisions.v1.csv'), '--key', 'applicant_id', '-m', 'October decisions', '--provenance', join(fixtures, 'credit-decisions.provenance.yaml'), '--as', 'ada@example.org']);
cognify(['-C', repo, 'dataset', 'commit', 'credit-decisions', join(fixtures, 'credit-decisions.v2.csv'), '-m', 'November decisions, model_version column', '--provenance', join(fixtures, 'credit-decisions.provenance.yaml'), '--as', 'ada@example.org']);
cognify(['-C', repo, 'dataset', 'log', 'credit-decisions']);
cognify(['-C', repo, 'dataset', 'show', 'credit-decisions@1']);
console.log('\nGrace reviews what changed, row by row: only the chunks that differ are read.');
cognify(['-C', repo, 'diff', 'credit-decisions@1', 'credit-decisions@2', '--stat']);
cognify(['-C', repo, 'diff', 'credit-decisions@1', 'credit-decisions@2', '--ignore-columns', 'reason_text', '--limit', '6']);
cognify(['-C', repo, 'diff', 'credit-decisions@1', 'credit-decisions@2', '--format', 'html', '-o', join(root, 'credit-decisions.diff.html')]);
console.log('\nThe same engine diffs files never committed: a chat fine-tuning set, keyed by a JSON pointer.');
cognify(['diff', join(fixtures, 'support-chat.v1.jsonl'), join(fixtures, 'support-chat.v2.jsonl'), '--key', '/id', '--moves', '--stat']);

const runs = fileURLToPath(new URL('../fixtures/runs/', import.meta.url));
// The training code: a small git working tree with one uncommitted edit, made with isomorphic-git
// (no git binary needed). A dirty tree is recorded, never hidden.
const code = join(root, 'training-code');
{
  const git = (await import('isomorphic-git')).default;
  const fs = await import('node:fs');
  fs.mkdirSync(code);
  writeFileSync(join(code, 'train.py'), 'from transformers import Trainer\n# LoRA fine-tune of SmolLM2-135M on credit-decision explanations\n');
  writeFileSync(join(code, 'config.yaml'), 'learning_rate: 2.0e-4\nlora_r: 4\n');
  await git.init({ fs, dir: code, defaultBranch: 'main' });
  await git.add({ fs, dir: code, filepath: '.' });
  await git.commit({ fs, dir: code, message: 'LoRA training script', author: { name: 'Ada Lovelace', email: 'ada@example.org', timestamp: 1763900000, timezoneOffset: 0 } });
  await git.addRemote({ fs, dir: code, remote: 'origin', url: 'https://git.example.org/credit/explainer.git' });
  writeFileSync(join(code, 'config.yaml'), 'learning_rate: 2.0e-4\nlora_r: 4\nlora_alpha: 8\n');
}
console.log('\nAda records the LoRA fine-tune the Hugging Face Trainer wrote, against the dataset version it trained on:');
console.log('every checkpoint hashed file by file (adapter, optimizer, RNG state ...), the code commit with its uncommitted edit, and the compute used.');
cognify(['-C', repo, 'run', 'record', '--hf-trainer', join(runs, 'credit-lora'), '--name', 'credit-lora', '--base-model', 'HuggingFaceTB/SmolLM2-135M@73b05320f8108bd153078a14331da460be9b0a6d',
  '--base-model-flops', '1.62e21', '--dataset', 'train=credit-decisions@2', '--dataset', 'eval=credit-decisions@1', '--code', code, '--gpu', 'NVIDIA L4', '--gpus', '1', '--gpu-hours', '0.25', '--as', 'ada@example.org']);
console.log('\nAnyone can re-check weights against the record; one changed byte is caught.');
cognify(['-C', repo, 'checkpoint', 'verify', join(runs, 'credit-lora', 'checkpoint-80'), 'credit-lora/checkpoint-80']);
const tampered = join(root, 'checkpoint-80-copy');
cpSync(join(runs, 'credit-lora', 'checkpoint-80'), tampered, { recursive: true });
const adapter = join(tampered, 'adapter_model.safetensors');
const bytes = readFileSync(adapter);
bytes[bytes.length - 1] ^= 1;
writeFileSync(adapter, bytes);
cognify(['-C', repo, 'checkpoint', 'verify', tampered, 'credit-lora/checkpoint-80'], { expectFail: true });
console.log('\nAda attaches the lm-evaluation-harness results: each benchmark is checked against its compliance objective, and objectives no eval covers are listed as gaps.');
cognify(['-C', repo, 'eval', 'import', join(runs, 'lm-eval', 'results_2026-11-20T14-03-51.482913.json'), '--run', 'credit-lora', '--as', 'ada@example.org']);
console.log('\nAlan (model risk) computes fairness metrics from the model\'s predictions, by sex and ethnicity and their intersection.');
cognify(['-C', repo, 'eval', 'bias', join(runs, 'predictions', 'credit-decisions.predictions.csv'), '--run', 'credit-lora', '--group', 'sex,ethnicity', '--label', 'label', '--pred', 'pred', '--positive', 'approve', '--as', 'alan@example.org']);
console.log('\nRuns tracked in MLflow come in as they are, each citing its MLflow run id.');
cognify(['-C', repo, 'import', 'mlflow', join(runs, 'mlruns'), '--as', 'ada@example.org']);
cognify(['-C', repo, 'run', 'list']);
cognify(['-C', repo, 'run', 'show', 'credit-lora']);
const policies = fileURLToPath(new URL('../fixtures/policies/', import.meta.url));
console.log('\nAda (admin) puts the bank\'s model-risk policy in force: SR 11-7 style independent validation (model risk) and a compliance sign-off,');
console.log('by people who built neither the run nor its training data; a fair-lending (bias) analysis and answered provenance must exist.');
cognify(['-C', repo, 'policy', 'set', join(policies, 'bank.yaml'), '--as', 'ada@example.org']);
console.log('\nAda signs the run as its author. Every signature shows what will be signed, then asks for the passphrase (here from COGNIFY_PASSPHRASE).');
cognify(['-C', repo, 'approve', 'credit-lora', '--meaning', 'authored', '--comment', 'Ready for independent validation', '--as', 'ada@example.org']);
cognify(['-C', repo, 'status', 'credit-lora']);
console.log('\nAda cannot approve her own run: the repository refuses and changes nothing.');
cognify(['-C', repo, 'approve', 'credit-lora', '--meaning', 'approved', '--role', 'admin', '--as', 'ada@example.org'], { expectFail: true });
console.log('\nAlan validates it (model risk), then Grace signs off for compliance.');
cognify(['-C', repo, 'approve', 'credit-lora', '--meaning', 'approved', '--comment', 'Independent validation complete; four-fifths finding on ethnicity accepted with monitoring', '--as', 'alan@example.org']);
cognify(['-C', repo, 'status', 'credit-lora']);
cognify(['-C', repo, 'approve', 'credit-lora', '--meaning', 'approved', '--comment', 'Fair-lending review complete', '--as', 'grace@example.org']);
console.log('\nA deployment gate in CI: exit 0 only when the exact run version is approved.');
cognify(['-C', repo, 'status', 'credit-lora', '--require', 'approved']);
cognify(['-C', repo, 'approvals', 'credit-lora']);
console.log('\nA PII/PHI scan of the training data (HIPAA Safe Harbor kinds), stored as signed evidence on the dataset version; identifiers are reported masked.');
cognify(['-C', repo, 'scan', 'credit-decisions@2', '--as', 'grace@example.org']);
console.log('\nScanning the same version again reads the stored scan: versions never change.');
cognify(['-C', repo, 'scan', 'credit-decisions@2', '--as', 'grace@example.org']);

const cards = fileURLToPath(new URL('../fixtures/cards/', import.meta.url));
const answers = join(cards, 'credit-lora.answers.yaml');
// The documents outlive the demo's temporary repository: they are what a reviewer opens.
const documents = mkdtempSync(join(tmpdir(), 'cognify-documents-'));
console.log('\nDocuments for the regulator, generated from the record: every statement cites the object it came from.');
console.log('Without the narrative answers (intended use, limitations ...), the model card says what is MISSING; a pipeline can gate on --check.');
cognify(['-C', repo, 'card', 'model-card', 'credit-lora', '--check'], { expectFail: true });
for (const kind of ['model-card', 'annex-xi', 'sr11-7']) {
  for (const format of ['md', 'html']) cognify(['-C', repo, 'card', kind, 'credit-lora', '--answers', answers, '--format', format, '-o', join(documents, `${kind}.${format}`)]);
}
console.log('\nAda commits the model card to the record; Grace approves that exact document, and anyone can rebuild it byte for byte.');
const committed = /document (sha256:[0-9a-f]{64})/.exec(cognify(['-C', repo, 'card', 'commit', 'model-card', 'credit-lora', '--answers', answers, '--as', 'ada@example.org']))[1];
cognify(['-C', repo, 'approve', committed, '--meaning', 'approved', '--comment', 'Model card reviewed against the record', '--as', 'grace@example.org']);
cognify(['-C', repo, 'card', 'verify', committed]);

console.log('\nThe record travels to an air-gapped site as one signed file: checked there without any repository, then imported;');
console.log('every hash, signature, role and log link is checked before the new repository appears.');
const bundleFile = join(root, 'credit-scoring-llm.bundle');
const airgap = join(root, 'airgapped-record');
cognify(['-C', repo, 'bundle', 'create', bundleFile, '--as', 'ada@example.org']);
cognify(['bundle', 'verify', bundleFile]);
cognify(['bundle', 'import', bundleFile, airgap]);
cognify(['-C', airgap, 'verify']);
cognify(['-C', airgap, 'status', 'credit-lora', '--require', 'approved']);

console.log('\nA connected review site shares a folder with the training site: Ada pushes the record there, the review site clones it');
console.log('(verified before the directory appears). A git host over https works the same way: cognify remote add <name> <https url>.');
const shared = join(root, 'shared-disk');
const review = join(root, 'review-site');
cognify(['-C', repo, 'remote', 'add', 'shared', shared]);
cognify(['-C', repo, 'push', 'shared', '--as', 'ada@example.org']);
cognify(['clone', shared, review]);
console.log('\nThe training site adds a dataset. The review site pulls only the change; the air-gapped site says what it holds');
console.log('with a checkpoint file carried out, and gets an incremental bundle carried in.');
cognify(['-C', repo, 'dataset', 'commit', 'support-chat', join(fixtures, 'support-chat.v1.jsonl'), '--key', '/id', '-m', 'Support conversations for the assistant', '--as', 'ada@example.org']);
cognify(['-C', repo, 'push', 'shared', '--as', 'ada@example.org']);
cognify(['-C', review, 'pull', 'origin']);
const siteCheckpoint = join(root, 'airgapped.checkpoint');
writeFileSync(siteCheckpoint, cognify(['-C', airgap, 'log', 'checkpoint']));
const incremental = join(root, 'credit-scoring-llm.since-airgap.bundle');
cognify(['-C', repo, 'bundle', 'create', incremental, '--since', siteCheckpoint, '--as', 'ada@example.org']);
cognify(['-C', airgap, 'bundle', 'import', incremental]);
cognify(['-C', airgap, 'verify']);
cognify(['-C', repo, 'log']);
cognify(['-C', repo, 'log', 'proof', '2']);
cognify(['-C', repo, 'log', 'checkpoint']);
cognify(['-C', repo, 'verify']);

if (keep) console.log(`\nKept ${root}; try: COGNIFY_HOME=${env.COGNIFY_HOME} npx cognify -C ${repo} log`);
else rmSync(root, { recursive: true, force: true });
console.log('\nDemo complete: identities created, roles granted, dataset versions committed and diffed row by row, a training run recorded with its checkpoints, evals and bias metrics, approved under the bank policy by two independent reviewers, a dataset scanned for PII/PHI, documents generated and one approved, the record carried by bundle to an air-gapped repository and verified there, pushed to a shared folder and cloned and pulled by a review site, every action signed and logged, verify passed.');
console.log(`\nThe model card, EU AI Act Annex XI and SR 11-7 documents (Markdown and HTML) are in ${documents}`);

if (serve) {
  // The reviewer's page on the demo record, left running. It asks for the passphrase itself, so
  // the environment's COGNIFY_PASSPHRASE is not passed on.
  const portAt = process.argv.indexOf('--port');
  const port = portAt > 0 ? process.argv[portAt + 1] : '7780';
  const { COGNIFY_PASSPHRASE: _unused, ...serveEnv } = env;
  console.log(`\nThe reviewer's sign-off page on the demo record. Grace (compliance) has two MLflow runs waiting for her;`);
  console.log(`the approved credit-lora run shows its evidence, documents and proofs. Every demo key's passphrase is "${env.COGNIFY_PASSPHRASE}".`);
  console.log(`${bold(`$ cognify -C ${repo} serve --port ${port} --as grace@example.org`)}`);
  const child = spawn(process.execPath, [bin, '-C', repo, 'serve', '--port', port, '--as', 'grace@example.org'], { env: serveEnv, cwd: root, stdio: 'inherit' });
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => {
    console.log(`\nThe record is kept in ${root}.`);
    process.exit(code ?? 0);
  });
}
