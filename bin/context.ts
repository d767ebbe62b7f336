// What every command gets: parsed global flags, the environment, output helpers, and the two
// things most commands need — the repository and an unlocked signer.
import { resolve } from 'node:path';
import { InputError } from '../src/core/errors.js';
import { openRepo } from '../src/api/open-repo.js';
import type { Repo } from '../src/api/repo.js';
import { seedSigner, type Signer } from '../src/chain/signer.js';
import { findKey, keystoreHome, unlockKey, type KeyInfo } from '../src/node/keystore.js';
import { getPassphrase } from '../src/node/passphrase.js';
import { nodeProvider } from '../src/node/node-crypto.js';
import type { Parsed } from './args.js';
import { str, bool } from './args.js';

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export class Context {
  readonly json: boolean;
  readonly dir: string | undefined;
  readonly as: string | undefined;
  private repoHandle: Repo | undefined;

  constructor(
    readonly io: Io,
    readonly args: Parsed,
  ) {
    this.json = bool(args, 'json');
    const c = str(args, 'C');
    this.dir = c === undefined ? undefined : resolve(io.cwd, c);
    this.as = str(args, 'as') ?? (io.env.COGNIFY_KEY || undefined);
    if (this.as !== undefined && this.as.trim() === '') throw new InputError('USAGE', '--as needs an email or a key fingerprint', {});
  }

  get home(): string {
    return keystoreHome(this.io.env);
  }

  /** The directory commands act in: -C, else the current directory. */
  get workDir(): string {
    return this.dir ?? this.io.cwd;
  }

  async repo(): Promise<Repo> {
    if (this.repoHandle) return this.repoHandle;
    const raw = this.io.env.COGNIFY_LOCK_TIMEOUT_MS;
    const timeout = raw === undefined || raw === '' ? undefined : Number(raw);
    if (timeout !== undefined && !(Number.isSafeInteger(timeout) && timeout >= 0)) {
      throw new InputError('USAGE', `COGNIFY_LOCK_TIMEOUT_MS must be a whole number of milliseconds, got ${JSON.stringify(raw)}`, {});
    }
    this.repoHandle = await openRepo({
      dir: this.workDir,
      crypto: nodeProvider,
      ...(timeout !== undefined ? { lockTimeoutMs: timeout } : {}),
      // A progress notice, so on a terminal only (DESIGN.md "CLI conventions"): for scripts an
      // error stays one stderr line, and REPO_LOCKED's message already says how long it waited.
      onWait: () => {
        if (this.io.stderr.isTTY) this.io.stderr.write('cognify: waiting for another cognify process to release the repository...\n');
      },
    });
    return this.repoHandle;
  }

  async close(): Promise<void> {
    await this.repoHandle?.close();
  }

  async key(): Promise<KeyInfo> {
    return findKey({ home: this.home, ...(this.as !== undefined ? { who: this.as } : {}) });
  }

  /** Unlock the acting key: --as / COGNIFY_KEY / the only key; passphrase from env or terminal. */
  async signer(): Promise<{ signer: Signer; key: KeyInfo }> {
    const key = await this.key();
    const passphrase = await getPassphrase({
      env: this.io.env,
      prompt: `Passphrase for ${key.email} (${key.fingerprint.slice(0, 16)}): `,
      stdin: this.io.stdin,
      stderr: this.io.stderr,
    });
    const seed = await unlockKey(key, passphrase);
    return { signer: seedSigner(nodeProvider, seed), key };
  }

  /** Human text to stdout, unless --json, where `data` is printed as one JSON document. */
  out(data: unknown, text: string | (() => string)): void {
    if (this.json) this.io.stdout.write(JSON.stringify(data, jsonReplacer, 2) + '\n');
    else {
      const t = typeof text === 'function' ? text() : text;
      if (t) this.io.stdout.write(t.endsWith('\n') ? t : t + '\n');
    }
  }
}

/** Bytes appear in JSON as lowercase hex; bigints as decimal strings. */
export function jsonReplacer(_k: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'bigint') return v.toString();
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('hex');
  }
  return v;
}
