// Signature checks spread over worker threads. `verify` queues the checks of each batch of log
// entries and settles them here while the main thread decodes the next batch; workers use
// nodeProvider, so verdicts are those of the main thread. Jobs travel packed in one transferred
// buffer per worker per batch: [u32 message length][64 sig][32 public key][message].
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SignatureJob } from '../chain/verify-repo.js';

export interface VerifyPool {
  readonly size: number;
  verifyMany(jobs: SignatureJob[]): Promise<boolean[]>;
  close(): Promise<void>;
}

const DEFAULT_WORKER = new URL('./verify-worker.js', import.meta.url);

function pack(jobs: SignatureJob[]): ArrayBuffer {
  let n = 0;
  for (const j of jobs) n += 100 + j.message.length;
  const buf = new ArrayBuffer(n);
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  let o = 0;
  for (const j of jobs) {
    // A malformed signature or key must still fail, not shift the packing: pad or cut to size
    // and let a length mismatch fail the job on this side.
    view.setUint32(o, j.message.length);
    bytes.set(j.sig.subarray(0, 64), o + 4);
    bytes.set(j.publicKey.subarray(0, 32), o + 68);
    bytes.set(j.message, o + 100);
    o += 100 + j.message.length;
  }
  return buf;
}

/**
 * Start `size` workers (default: one per core). Returns undefined when the compiled worker
 * script is not there (running from TypeScript sources), so callers check on the main thread.
 */
export function createVerifyPool(opts: { size?: number; workerUrl?: URL } = {}): VerifyPool | undefined {
  const url = opts.workerUrl ?? DEFAULT_WORKER;
  if (!existsSync(fileURLToPath(url))) return undefined;
  const size = Math.max(1, opts.size ?? availableParallelism());
  const workers = Array.from({ length: size }, () => new Worker(url));
  const waiting = new Map<number, { resolve: (ok: Uint8Array) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  let failure: unknown;
  for (const w of workers) {
    w.on('message', (m: { id: number; ok: ArrayBuffer }) => {
      waiting.get(m.id)?.resolve(new Uint8Array(m.ok));
      waiting.delete(m.id);
    });
    w.on('error', (e) => {
      failure = e;
      for (const p of waiting.values()) p.reject(e);
      waiting.clear();
    });
  }

  const run = (w: Worker, jobs: SignatureJob[]): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      const buf = pack(jobs);
      w.postMessage({ id, buf, count: jobs.length }, [buf]);
    });

  return {
    size,
    async verifyMany(jobs) {
      if (!jobs.length) return [];
      const per = Math.ceil(jobs.length / size);
      const parts = await Promise.all(workers.map((w, i) => (i * per < jobs.length ? run(w, jobs.slice(i * per, (i + 1) * per)) : Promise.resolve(new Uint8Array(0)))));
      const out: boolean[] = [];
      for (const p of parts) for (const b of p) out.push(b === 1);
      // sizes were forced to 64/32 bytes when packing; a job whose real sizes differ is invalid
      return out.map((ok, i) => ok && jobs[i]!.sig.length === 64 && jobs[i]!.publicKey.length === 32);
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
