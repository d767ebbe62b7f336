// cognify role grant | revoke | list
import { InputError } from '../../src/core/errors.js';
import { ROLES } from '../../src/chain/chain-types.js';
import { need } from '../args.js';
import type { Context } from '../context.js';

export async function role(ctx: Context): Promise<void> {
  const [sub, ...rest] = ctx.args.positionals;
  const args = { ...ctx.args, positionals: rest };
  const repo = await ctx.repo();
  switch (sub) {
    case 'grant':
    case 'revoke': {
      const [who, roleName] = need(args, 2, `cognify role ${sub} <email|fingerprint> <role>   (roles: ${ROLES.join(', ')})`);
      const subject = await repo.resolveIdentity(who!);
      const name = `${subject.name} <${subject.email}>`;
      const { signer } = await ctx.signer();
      if (sub === 'grant') {
        const r = await repo.grantRole({ who: subject.fingerprint, role: roleName!, signer });
        ctx.out({ grant: r.grant, seq: r.seq }, `Granted ${roleName} to ${name}\n  grant ${r.grant}, log entry ${r.seq}`);
      } else {
        const r = await repo.revokeRole({ who: subject.fingerprint, role: roleName!, signer });
        ctx.out({ revocation: r.revocation, seq: r.seq }, `Revoked ${roleName} from ${name}\n  revocation ${r.revocation}, log entry ${r.seq}`);
      }
      return;
    }
    case 'list': {
      need(args, 0, 'cognify role list');
      const ids = await repo.identities();
      ctx.out(ids, () =>
        ids.map((k) => `${k.fingerprint.slice(0, 16)}  ${`${k.name} <${k.email}>`.padEnd(40)} ${k.revoked ? `REVOKED at log entry ${k.revokedAt}` : k.roles.join(', ') || '(no roles)'}`).join('\n'),
      );
      return;
    }
    default:
      throw new InputError('USAGE', `unknown role command "${sub ?? ''}"; use role grant, revoke or list`, {});
  }
}
