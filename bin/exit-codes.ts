// One table from error family to exit code. Tests assert codes; scripts can branch on them.
import {
  BundleError,
  CognifyError,
  InputError,
  IntegrityError,
  KeystoreError,
  NotFoundError,
  PolicyError,
  RepoError,
  SignatureError,
} from '../src/core/errors.js';

export const EXIT = {
  ok: 0,
  /** verify (or another check) ran and found problems */
  checkFailed: 1,
  usage: 2,
  notFound: 3,
  integrity: 4,
  signature: 5,
  policy: 6,
  keystore: 7,
  repo: 8,
  locked: 9,
  io: 10,
  bundle: 11,
  /** a remote moved on (someone pushed first) or the logs diverged: pull, look, try again */
  conflict: 12,
  internal: 70,
} as const;

export function exitCodeFor(e: unknown): number {
  if (!(e instanceof CognifyError)) return EXIT.internal;
  if (e.code === 'REPO_LOCKED') return EXIT.locked;
  if (e.code === 'IO_FAILED') return EXIT.io;
  if (e.code === 'SYNC_CONFLICT' || e.code === 'SYNC_DIVERGED') return EXIT.conflict;
  if (e instanceof InputError) return EXIT.usage;
  if (e instanceof NotFoundError) return EXIT.notFound;
  if (e instanceof IntegrityError) return EXIT.integrity;
  if (e instanceof SignatureError) return EXIT.signature;
  if (e instanceof PolicyError) return EXIT.policy;
  if (e instanceof KeystoreError) return EXIT.keystore;
  if (e instanceof RepoError) return EXIT.repo;
  if (e instanceof BundleError) return EXIT.bundle;
  return EXIT.internal;
}
