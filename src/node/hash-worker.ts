// Worker thread for src/node/hash-pool.ts: hashes the files of each task in order with blocking
// positional reads into one reused buffer (the thread has nothing else to do, and a blocking read
// saves the libuv thread-pool round trip of an async one), and reports bytes as it goes.
import { parentPort } from 'node:worker_threads';
import { PROGRESS_BYTES, _hashFileSync, _toWire, type _Reply, type _Task, type HashResult } from './hash-pool.js';

let buf = Buffer.alloc(0);

parentPort!.on('message', (task: _Task) => {
  const post = (m: _Reply): void => parentPort!.postMessage(m);
  try {
    const largest = task.files.reduce((m, f) => Math.max(m, f.size), 0);
    // One byte more than the largest file, so a small file's end is seen in the same read.
    const want = Math.max(1, Math.min(task.bufferBytes, largest + 1));
    if (buf.length < want) buf = Buffer.allocUnsafe(want);
    const view = buf.length === want ? buf : buf.subarray(0, want);
    let pending = 0;
    const onBytes = (n: number): void => {
      pending += n;
      if (pending >= PROGRESS_BYTES) {
        post({ id: task.id, type: 'progress', bytes: pending });
        pending = 0;
      }
    };
    const results: HashResult[] = task.files.map((f) => _hashFileSync(f.path, f.size, view, onBytes));
    post({ id: task.id, type: 'done', bytes: pending, results });
  } catch (e) {
    post({ id: task.id, type: 'error', error: _toWire(e) });
  }
});
