#!/usr/bin/env node
// npm run demo: the record end to end, with the real CLI, in a temporary repository and a
// temporary keystore. Nothing outside the temporary directory is touched.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/cognify.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'cognify-demo-'));
const repo = join(root, 'record');
const env = { ...process.env, COGNIFY_HOME: join(root, 'keystore'), COGNIFY_PASSPHRASE: 'demo passphrase, not for production' };
const keep = process.argv.includes('--keep');
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
cognify(['-C', repo, 'dataset', 'commit', 'credit-decisions', join(fixtures, 'credit-decisions.v2.csv'), '-m', 'November decisions, model_version column', '--as', 'ada@example.org']);
cognify(['-C', repo, 'dataset', 'log', 'credit-decisions']);
cognify(['-C', repo, 'dataset', 'show', 'credit-decisions@1']);
console.log('\nGrace reviews what changed, row by row: only the chunks that differ are read.');
cognify(['-C', repo, 'diff', 'credit-decisions@1', 'credit-decisions@2', '--stat']);
cognify(['-C', repo, 'diff', 'credit-decisions@1', 'credit-decisions@2', '--ignore-columns', 'reason_text', '--limit', '6']);
cognify(['-C', repo, 'diff', 'credit-decisions@1', 'credit-decisions@2', '--format', 'html', '-o', join(root, 'credit-decisions.diff.html')]);
console.log('\nThe same engine diffs files never committed: a chat fine-tuning set, keyed by a JSON pointer.');
cognify(['diff', join(fixtures, 'support-chat.v1.jsonl'), join(fixtures, 'support-chat.v2.jsonl'), '--key', '/id', '--moves', '--stat']);
cognify(['-C', repo, 'log']);
cognify(['-C', repo, 'log', 'proof', '2']);
cognify(['-C', repo, 'log', 'checkpoint']);
cognify(['-C', repo, 'verify']);

if (keep) console.log(`\nKept ${root}; try: COGNIFY_HOME=${env.COGNIFY_HOME} npx cognify -C ${repo} log`);
else rmSync(root, { recursive: true, force: true });
console.log('\nDemo complete: identities created, roles granted, dataset versions committed and diffed row by row, every action signed and logged, verify passed.');
