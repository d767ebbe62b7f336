// cognify: argv -> options -> library call -> human or --json output, exit code per error family.
import { readFileSync } from 'node:fs';
import { CognifyError, InputError } from '../src/core/errors.js';
import { GLOBAL_FLAGS, parseArgs, type FlagSpec } from './args.js';
import { Context, type Io } from './context.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { init, initFlags } from './commands/init.js';
import { id, idFlags } from './commands/id.js';
import { role } from './commands/role.js';
import { log, logFlags } from './commands/log.js';
import { verify } from './commands/verify.js';
import { cat, show } from './commands/show.js';
import { dataset, datasetFlags } from './commands/dataset.js';
import { diff, diffFlags } from './commands/diff.js';
import { checkpoint } from './commands/checkpoint.js';
import { run, runFlags } from './commands/run.js';
import { evalFlags, evaluation, importer } from './commands/evidence.js';
import { approve, approveFlags, approvals, policy, status, statusFlags, withdraw, withdrawFlags } from './commands/approve.js';
import { scan, scanFlags } from './commands/scan.js';
import { card, cardFlags, CARD_USAGE } from './commands/card.js';
import { exportCommand, exportFlags, EXPORT_USAGE } from './commands/export.js';
import { bundle, bundleFlags, BUNDLE_USAGE } from './commands/bundle.js';
import { serve, serveFlags, SERVE_USAGE } from './commands/serve.js';
import { cloneCommand, CLONE_USAGE, PULL_USAGE, pullCommand, PUSH_USAGE, pushCommand, remote, REMOTE_USAGE, syncFlags } from './commands/remote.js';

interface Command {
  run: (ctx: Context) => Promise<void | number>;
  flags?: FlagSpec;
  summary: string;
  usage: string[];
}

const COMMANDS: Record<string, Command> = {
  init: { run: init, flags: initFlags, summary: 'create a repository; your key becomes its first admin', usage: ['init [dir] [--name N]'] },
  id: {
    run: id,
    flags: idFlags,
    summary: 'keys and identities',
    usage: [
      'id new --name N --email E      create a key in $COGNIFY_HOME (passphrase-encrypted)',
      'id list                        your keys, and the repository\'s identities and roles',
      'id export <who> [-o file]      write your public identity for another repository',
      'id import <file>               add someone\'s identity to this repository',
      'id revoke <who> [--reason R]   revoke a key (admin, or the key\'s owner)',
    ],
  },
  role: {
    run: role,
    summary: 'grant and revoke roles (admin)',
    usage: ['role grant <who> <role>', 'role revoke <who> <role>', 'role list'],
  },
  log: {
    run: log,
    flags: logFlags,
    summary: 'the audit log and its proofs',
    usage: [
      'log [-n N]                     entries, oldest first (-n: only the last N)',
      'log show <seq>                 one entry in full',
      'log proof <seq> [--size N]     RFC 6962 inclusion proof of an entry',
      'log consistency <old-size> [--size N]   consistency proof between two tree sizes',
      'log checkpoint                 the latest signed checkpoint (C2SP signed note)',
    ],
  },
  dataset: {
    run: dataset,
    flags: datasetFlags,
    summary: 'dataset versions committed like code',
    usage: [
      'dataset commit <name> <file> [-m MSG] [--format csv|tsv|jsonl|parquet] [--key K] [--strict] [--provenance FILE] [provenance flags]',
      'dataset commit ... --key id | --key region,id | --key /meta/uid   key columns (CSV/TSV) or a JSON pointer (JSONL); without --key, the previous version\'s key is reused',
      'dataset commit ... --strict   refuse the file when key values repeat (otherwise a warning)',
      'dataset commit ... --provenance FILE   answers in YAML (see fixtures/datasets/credit-decisions.provenance.yaml); flags below override it',
      'dataset commit ... --source TEXT --licence TEXT --consent TEXT --legal-basis TEXT --collected YYYY-MM-DD..YYYY-MM-DD',
      'dataset commit ... --transformation TEXT (repeatable) [--code-commit HEX] [--script FILE] [--derived-from REF (repeatable)]',
      'dataset commit ... --exclusion "WHAT: WHY" (repeatable) --contact NAME|EMAIL --team TEXT   unanswered questions stay null',
      'dataset export <name|name@N|id> [-o file]   the exact bytes, checked against the recorded SHA-256',
      'dataset list                  every dataset and its latest version',
      'dataset log <name>            versions, newest first',
      'dataset show <ref>            one version: format, rows, schema, provenance answered or missing',
    ],
  },
  diff: {
    run: diff,
    flags: diffFlags,
    summary: 'row-level diff of two dataset versions, a file and a version, or two files',
    usage: [
      'diff <A> <B>                  A, B: name (latest), name@N, name@<id>, a version id, or a file path',
      '  --key K                     CSV/TSV key columns (id or region,id) or a JSONL JSON pointer (/id);',
      '                              default: the key the versions recorded, else rows match by content',
      '  --columns a,b | --ignore-columns c   compare only these / all but these columns (or JSON pointers)',
      '  --moves                     also report rows that only changed position',
      '  --format text|jsonl|csv|html   text is coloured on a terminal (--color auto|always|never)',
      '  --stat                      counts only (with --json: {added, removed, modified, moved, unchanged, schema})',
      '  --limit N  -o FILE  --exit-code (exit 1 when anything differs)',
    ],
  },
  run: {
    run,
    flags: runFlags,
    summary: 'training runs as signed manifests: record, or start / event / finish live',
    usage: [
      'run record --hf-trainer <output_dir> --name <run> [--base-model <name>[@rev]] [--base-model-dir <dir>]',
      '  --dataset train=<ref> [--dataset eval=<ref>] [--code <dir>] [--store]   a finished Trainer run, every checkpoint hashed',
      'run start --name <run> [--base-model <name>[@rev]] [--dataset role=<ref>]... [--code <dir>]',
      '  [--param k=v]... [--params FILE.json] [--python V] [--requirements FILE] [--gpu MODEL] [--gpus N]',
      'run event <run>              one JSON event on stdin, or several as JSON Lines (one version): {"type":"metrics","step":10,"values":{"loss":1.2}}',
      '  {"type":"checkpoint","dir":"out/checkpoint-500"}  {"type":"params","values":{...}}  {"type":"status","status":"failed"}',
      'run finish <run> [--output <dir>] [--store] [--status finished|failed|killed]',
      '  compute flags (record, start, finish): --flops N --gpu-hours H --gpu MODEL --gpus N --gpu-watts W --pue P',
      '  --energy-kwh E --base-model-flops N',
      'run show <run>[@N] [--metrics]   the manifest: base model, datasets, code, compute, checkpoints, evals',
      'run list                     every run and its latest version',
    ],
  },
  checkpoint: {
    run: checkpoint,
    summary: 'checkpoint manifests: every file hashed, with its role and rank',
    usage: [
      'checkpoint hash <dir>            size, SHA-256, role and rank of every file, and one root digest (--json: {root, files})',
      'checkpoint verify <dir> <ref>    re-hash against a recorded manifest (id, or <run>/<checkpoint>); exit 1 on any difference',
      'checkpoint show <ref>            a recorded manifest',
    ],
  },
  eval: {
    run: evaluation,
    flags: evalFlags,
    summary: 'evaluation evidence attached to a run: lm-eval results, bias metrics',
    usage: [
      'eval import <results.json> --run <run> [--mapping FILE.yaml]   lm-evaluation-harness results, checked against compliance objectives',
      'eval bias <predictions> --run <run> --group <col>[,<col>] --label <col> --pred <col> [--positive V]',
      '  selection rate, TPR, FPR per group; demographic parity, equalized odds, four-fifths rule',
    ],
  },
  import: {
    run: importer,
    summary: 'import runs that other tools recorded',
    usage: ['import mlflow <mlruns dir>   each MLflow run becomes a run citing its MLflow run id'],
  },
  approve: {
    run: approve,
    flags: approveFlags,
    summary: 'sign an approval of an exact object: authored, reviewed, approved or rejected',
    usage: [
      'approve <subject> --meaning authored|reviewed|approved|rejected [--comment TEXT] [--role R] [--yes]',
      '  subject: a run or dataset (name, name@N), run:<name>, dataset:<name>, <run>/<checkpoint>, or an object id',
      '  shows what will be signed, asks to confirm on a terminal (--yes skips), then asks for the passphrase',
    ],
  },
  withdraw: { run: withdraw, flags: withdrawFlags, summary: 'withdraw your approval with a signed withdrawal citing it', usage: ['withdraw <approval id> [--reason TEXT] [--yes]'] },
  approvals: { run: approvals, summary: 'the approvals and withdrawals of a subject', usage: ['approvals <subject>'] },
  policy: {
    run: policy,
    summary: 'the approval policy in force (admin sets it)',
    usage: ['policy set <policy.yaml>      check it and put it in force: a new signed version (see fixtures/policies/)', 'policy show                   the policy in force'],
  },
  status: {
    run: status,
    flags: statusFlags,
    summary: 'a subject\'s state under the policy: each requirement met or missing, who signed what',
    usage: ['status <subject> [--require approved]   --require: exit 1 unless the subject is in that state (deployment gates)'],
  },
  scan: {
    run: scan,
    flags: scanFlags,
    summary: 'scan a dataset version for PII/PHI (HIPAA Safe Harbor kinds); stored as evidence',
    usage: [
      'scan <dataset ref> [--exit-code]           counts per kind and column, masked locations; --exit-code: 1 when unwaived findings remain',
      'scan <dataset ref> --waive KIND --reason TEXT   a privacy officer\'s signed waiver of one kind the scan found',
    ],
  },
  card: {
    run: card,
    flags: cardFlags,
    summary: 'documents from the record: model card, EU AI Act Annex XI/XII, SR 11-7, datasheet, HIPAA, bias',
    usage: CARD_USAGE,
  },
  bundle: { run: bundle, flags: bundleFlags, summary: 'the record in one signed file for an air-gapped site: create, verify, import', usage: BUNDLE_USAGE },
  remote: { run: remote, summary: 'name a folder or a git repository (https) to push the record to and pull it from', usage: REMOTE_USAGE },
  push: { run: pushCommand, flags: syncFlags, summary: 'send the record\'s new log entries and what they reference to a remote', usage: PUSH_USAGE },
  pull: { run: pullCommand, flags: syncFlags, summary: 'fetch what was pushed to a remote, verify it, bring this repository forward', usage: PULL_USAGE },
  clone: { run: cloneCommand, flags: syncFlags, summary: 'a new repository holding the record on a remote, verified', usage: CLONE_USAGE },
  export: {
    run: exportCommand,
    flags: exportFlags,
    summary: 'a signed object as a DSSE envelope or an in-toto Statement, for supply-chain verifiers',
    usage: EXPORT_USAGE,
  },
  serve: { run: serve, flags: serveFlags, summary: 'the reviewer\'s sign-off page in a browser: inbox, evidence, signing, the audit log', usage: SERVE_USAGE },
  verify: { run: verify, summary: 'recheck every hash, signature, role, log link and checkpoint', usage: ['verify'] },
  show: { run: show, summary: 'print an object readably', usage: ['show <id|prefix>'] },
  cat: { run: cat, summary: 'write an object\'s raw canonical CBOR bytes', usage: ['cat <id|prefix>'] },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function help(cmd?: string): string {
  if (cmd && COMMANDS[cmd]) {
    const c = COMMANDS[cmd]!;
    // A usage line that starts with a space continues the one above: indented, without the "cognify".
    return [`cognify ${cmd}: ${c.summary}`, '', 'Usage:', ...c.usage.map((u) => (u.startsWith(' ') ? `          ${u}` : `  cognify ${u}`)), '', GLOBAL_HELP].join('\n');
  }
  return [
    'cognify — a signed, verifiable record of LLM fine-tuning',
    '',
    'Usage: cognify [-C dir] [--json] [--as who] <command> [args]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).flatMap(([name, c]) => [`  ${name.padEnd(12)}${c.summary}`]),
    '',
    'Run cognify <command> --help for its usage.',
    '',
    GLOBAL_HELP,
  ].join('\n');
}

const GLOBAL_HELP = `Global options:
  -C <dir>        the repository (default: search upward from the current directory)
  --json          machine-readable output on stdout
  --as <who>      the key to sign with: email or fingerprint (or COGNIFY_KEY)
Environment: COGNIFY_HOME (keystore, default ~/.cognify), COGNIFY_PASSPHRASE, COGNIFY_KEY,
  COGNIFY_LOCK_TIMEOUT_MS (how long to wait for a busy repository, default 10000),
  COGNIFY_GIT_TOKEN (password or access token for a git remote; never stored)`;

export async function main(argv: string[], io: Io): Promise<number> {
  let ctx: Context | undefined;
  let json = argv.includes('--json');
  try {
    const at = argv.findIndex((a, i) => !a.startsWith('-') && !(i > 0 && ['-C', '--as'].includes(argv[i - 1]!)));
    const name = at === -1 ? undefined : argv[at];
    const cmd = name === undefined ? undefined : COMMANDS[name];
    if (name !== undefined && !cmd) throw new InputError('USAGE', `unknown command "${name}"; run cognify --help`, { command: name });
    // Drop only the command word itself: a later argument may equal it (`cognify init init`).
    const args = parseArgs(
      argv.filter((_, i) => i !== at),
      { ...GLOBAL_FLAGS, ...(cmd?.flags ?? {}) },
    );
    if (args.flags.version) {
      io.stdout.write(json ? JSON.stringify({ version: version() }) + '\n' : `cognify ${version()}\n`);
      return EXIT.ok;
    }
    if (!cmd || args.flags.help) {
      io.stdout.write(help(name) + '\n');
      return cmd || args.flags.help ? EXIT.ok : EXIT.usage;
    }
    ctx = new Context(io, args);
    json = ctx.json;
    const code = await cmd.run(ctx);
    return typeof code === 'number' ? code : EXIT.ok;
  } catch (e) {
    const code = exitCodeFor(e);
    if (e instanceof CognifyError) {
      io.stderr.write(`cognify: ${e.message} [${e.code}]\n`);
      if (json) io.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message } }) + '\n');
    } else {
      io.stderr.write(`cognify: internal error: ${(e as Error)?.stack ?? String(e)}\nThis is a bug; please report it with the command you ran.\n`);
    }
    return code;
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
