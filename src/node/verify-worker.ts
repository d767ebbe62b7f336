// Worker thread for src/node/verify-pool.ts: checks packed Ed25519 signatures with nodeProvider
// (the same strict checks and backend as the main thread) and answers with one byte per job.
import { parentPort } from 'node:worker_threads';
import { nodeProvider } from './node-crypto.js';

parentPort!.on('message', (m: { id: number; buf: ArrayBuffer; count: number }) => {
  const bytes = new Uint8Array(m.buf);
  const view = new DataView(m.buf);
  const out = new Uint8Array(m.count);
  let o = 0;
  for (let i = 0; i < m.count; i++) {
    const len = view.getUint32(o);
    const sig = bytes.subarray(o + 4, o + 68);
    const pk = bytes.subarray(o + 68, o + 100);
    const msg = bytes.subarray(o + 100, o + 100 + len);
    out[i] = nodeProvider.ed25519Verify(sig, msg, pk) ? 1 : 0;
    o += 100 + len;
  }
  parentPort!.postMessage({ id: m.id, ok: out.buffer }, [out.buffer]);
});
