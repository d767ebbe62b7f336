// cognify export attestation <ref> [--format dsse|intoto] [--sign] [-o FILE]
import { resolve } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { toBase64 } from '../../src/core/bytes.js';
import { exportAttestation, type AttestationFormat } from '../../src/api/attestations.js';
import { writeAtomic } from '../../src/node/atomic-write.js';
import { bool, need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';

export const exportFlags: FlagSpec = {
  format: { type: 'string' },
  sign: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
};

export const EXPORT_USAGE = [
  'export attestation <ref> [--format dsse|intoto] [--sign] [-o FILE]',
  '  ref: an approval id, a run or dataset (name, name@N), or any signed object id',
  '  dsse: the object\'s own signature as a DSSE envelope (nothing re-signed); intoto: an in-toto Statement v1',
  '  whose subjects are SHA-256 digests, carrying that envelope; --sign wraps it in a DSSE envelope signed by you',
];

export async function exportCommand(ctx: Context): Promise<number> {
  const [what, ref] = need(ctx.args, 2, 'cognify export attestation <ref> [--format dsse|intoto] [--sign] [-o FILE]');
  if (what !== 'attestation') throw new InputError('USAGE', `unknown export "${what}"; cognify export attestation <ref>`, { what });
  const format = str(ctx.args, 'format') ?? 'dsse';
  if (format !== 'dsse' && format !== 'intoto') throw new InputError('USAGE', `unknown --format "${format}"; use dsse or intoto`, { format });
  if (bool(ctx.args, 'sign') && format !== 'intoto') throw new InputError('USAGE', '--sign goes with --format intoto (a DSSE export carries the object\'s own signature)', {});
  const repo = await ctx.repo();
  const signer = bool(ctx.args, 'sign') ? (await ctx.signer()).signer : undefined;
  const a = await exportAttestation(repo, { ref: ref!, format: format as AttestationFormat, ...(signer ? { signer } : {}) });
  const text = `${JSON.stringify(a.document, null, 2)}\n`;
  const out = str(ctx.args, 'output');
  if (!out) {
    ctx.io.stdout.write(text);
    return EXIT.ok;
  }
  await writeAtomic(resolve(ctx.io.cwd, out), text, true, 0o644).catch((e: NodeJS.ErrnoException) => {
    throw new InputError('INPUT_INVALID', `cannot write ${out}: ${e.code === 'ENOENT' ? 'its folder does not exist' : e.message}; choose another -o path`, { path: out });
  });
  const what2 = a.format === 'dsse' ? 'DSSE envelope' : signer ? 'in-toto Statement (DSSE, signed by you)' : 'in-toto Statement';
  ctx.out({ file: resolve(ctx.io.cwd, out), format: a.format, signed: a.format === 'dsse' || signer !== undefined, id: a.id, type: a.type, keyid: a.key.fingerprint, publicKey: toBase64(a.key.publicKey) }, () =>
    [`Wrote the ${what2} of ${a.type} ${a.label} to ${out}`, `  verifies with the Ed25519 key of ${a.key.name} <${a.key.email}>: ${toBase64(a.key.publicKey)} (keyid ${a.key.fingerprint.slice(0, 16)})`].join('\n'),
  );
  return EXIT.ok;
}
