// Chunks a plain file on a worker thread (src/node/chunk-worker.ts), for two-file diffs: the
// main thread chunks one file while the worker chunks the other. Returns undefined when the
// compiled worker is not there (running from TypeScript sources), and callers chunk in-thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CognifyError, InputError, NotFoundError } from '../core/errors.js';
import type { CsvDialect } from '../diff/csv-parse.js';
import type { FileChunks } from '../diff/table-side.js';

const WORKER = new URL('./chunk-worker.js', import.meta.url);

type Reply = { result: FileChunks } | { error: { kind: string; code?: string; message: string; data?: Record<string, unknown> } };

export function workerChunker(): ((path: string, dialect: CsvDialect | null) => Promise<FileChunks>) | undefined {
  if (!existsSync(fileURLToPath(WORKER))) return undefined;
  return (path, dialect) =>
    new Promise<FileChunks>((resolve, reject) => {
      const w = new Worker(WORKER);
      w.once('message', (m: Reply) => {
        void w.terminate();
        if ('result' in m) return resolve(m.result);
        const { kind, code, message, data } = m.error;
        if (kind === 'NotFoundError') reject(new NotFoundError(code as never, message, data));
        else if (kind === 'InputError') reject(new InputError(code as never, message, data));
        else if (code) reject(new CognifyError(code as never, message, data));
        else reject(new Error(`chunk worker failed: ${message}`));
      });
      w.once('error', (e) => reject(e));
      w.postMessage({ path, dialect });
    });
}
