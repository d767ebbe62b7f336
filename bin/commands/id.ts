// cognify id new | list | export | import | revoke
import { existsSync } from 'node:fs';
import { readFile, writeFile, rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CognifyError, InputError } from '../../src/core/errors.js';
import type { IdentityObject } from '../../src/chain/chain-types.js';
import { createIdentity, identityEnvelope, readIdentityEnvelope } from '../../src/chain/identity.js';
import { seedSigner, type Signer } from '../../src/chain/signer.js';
import { schemas } from '../../src/api/repo.js';
import { createKey, findKey, listKeys, unlockKey, type KeyInfo } from '../../src/node/keystore.js';
import { getPassphrase } from '../../src/node/passphrase.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { findRepoDir } from '../../src/node/repo-dir.js';
import { need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';

export const idFlags: FlagSpec = {
  name: { type: 'string' },
  email: { type: 'string' },
  output: { type: 'string', short: 'o' },
  reason: { type: 'string' },
};

const identityPath = (key: KeyInfo) => key.path.replace(/\.key\.json$/, '.identity.json');

/** The key's self-signed identity, kept beside the key file so export needs no passphrase. */
export async function identityFor(ctx: Context, key: KeyInfo, signer?: Signer): Promise<IdentityObject> {
  const path = identityPath(key);
  if (existsSync(path)) return readIdentityEnvelope(nodeProvider, schemas, await readFile(path, 'utf8'), path);
  const s = signer ?? (await ctx.signer()).signer;
  const identity = createIdentity(nodeProvider, s, { name: key.name, email: key.email, created: key.created });
  await writeAtomic(path, JSON.stringify(identityEnvelope(identity), null, 2) + '\n', 0o644);
  return identity;
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode, flag: 'wx' });
  await rename(tmp, path);
}

export async function id(ctx: Context): Promise<void> {
  const [sub, ...rest] = ctx.args.positionals;
  const args = { ...ctx.args, positionals: rest };
  switch (sub) {
    case 'new': {
      need(args, 0, 'cognify id new --name N --email E');
      const name = str(args, 'name');
      const email = str(args, 'email');
      if (!name || !email) throw new InputError('USAGE', 'id new needs --name and --email, e.g. cognify id new --name "Ada Lovelace" --email ada@example.org', {});
      const passphrase = await getPassphrase({ env: ctx.io.env, prompt: `New passphrase for ${email}: `, confirm: true, stdin: ctx.io.stdin, stderr: ctx.io.stderr });
      const key = await createKey({ home: ctx.home, name, email, passphrase });
      await identityFor(ctx, key, seedSigner(nodeProvider, await unlockKey(key, passphrase)));
      ctx.out({ fingerprint: key.fingerprint, name: key.name, email: key.email }, `Created key ${key.fingerprint}\n  for ${key.name} <${key.email}>\n  stored in ${key.path}`);
      return;
    }
    case 'list': {
      need(args, 0, 'cognify id list');
      const keys = await listKeys({ home: ctx.home });
      const inRepo = ctx.dir !== undefined || isRepoDirUp(ctx.workDir);
      const known = inRepo ? await (await ctx.repo()).identities() : undefined;
      ctx.out(
        { keys: keys.map((k) => ({ fingerprint: k.fingerprint, name: k.name, email: k.email, created: k.created })), ...(known ? { repository: known } : {}) },
        () => {
          const lines = [`Keys in ${ctx.home}:`];
          if (!keys.length) lines.push('  (none; create one with cognify id new --name N --email E)');
          for (const k of keys) lines.push(`  ${k.fingerprint.slice(0, 16)}  ${k.name} <${k.email}>`);
          if (known) {
            lines.push('', 'Identities in this repository:');
            for (const k of known) {
              lines.push(`  ${k.fingerprint.slice(0, 16)}  ${k.name} <${k.email}>  ${k.revoked ? `REVOKED at log entry ${k.revokedAt}` : k.roles.join(', ') || '(no roles)'}`);
            }
          }
          return lines.join('\n');
        },
      );
      return;
    }
    case 'export': {
      const [who] = need(args, 1, 'cognify id export <email|fingerprint> [-o file]');
      if (!who!.trim()) throw new InputError('USAGE', 'id export needs an email or a key fingerprint', {});
      const key = await findKey({ home: ctx.home, who: who! });
      const text = JSON.stringify(identityEnvelope(await identityFor(ctx, key)), null, 2) + '\n';
      const out = str(args, 'output');
      if (out) {
        const path = resolve(ctx.io.cwd, out);
        try {
          await writeFile(path, text);
        } catch (e) {
          throw new CognifyError('IO_FAILED', `cannot write ${path}: ${(e as Error).message}`, { path }, e);
        }
        if (ctx.json) ctx.out({ fingerprint: key.fingerprint, path }, '');
        else ctx.io.stderr.write(`Wrote identity of ${key.name} <${key.email}> to ${path}\n`);
      } else ctx.io.stdout.write(text);
      return;
    }
    case 'import': {
      const [file] = need(args, 1, 'cognify id import <file>');
      const path = resolve(ctx.io.cwd, file!);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        throw new InputError('INPUT_INVALID', `cannot read ${path}; give the path of a file written by cognify id export`, { path });
      }
      const identity = readIdentityEnvelope(nodeProvider, schemas, text, path);
      const repo = await ctx.repo();
      const { signer } = await ctx.signer();
      const r = await repo.addIdentity({ identity, signer });
      ctx.out(
        { identity: r.identity, fingerprint: identity.signer, name: identity.name, email: identity.email, seq: r.seq },
        `Imported ${identity.name} <${identity.email}> (${identity.signer.slice(0, 16)}) as ${r.identity}`,
      );
      return;
    }
    case 'revoke': {
      const [who] = need(args, 1, 'cognify id revoke <email|fingerprint> [--reason TEXT]');
      const repo = await ctx.repo();
      const { signer } = await ctx.signer();
      const r = await repo.revokeKey({ who: who!, reason: str(args, 'reason') ?? '', signer });
      ctx.out({ revocation: r.revocation, seq: r.seq }, `Revoked key of ${who} at log entry ${r.seq}; its signatures after this point no longer count`);
      return;
    }
    default:
      throw new InputError('USAGE', `unknown id command "${sub ?? ''}"; use id new, list, export, import or revoke`, {});
  }
}

function isRepoDirUp(dir: string): boolean {
  try {
    findRepoDir(dir);
    return true;
  } catch {
    return false;
  }
}
