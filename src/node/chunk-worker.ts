// Worker thread for diffing two plain files: chunks one file (src/diff/table-side.ts fileChunks)
// while the main thread chunks the other, so the two streaming passes run on two cores.
import { parentPort } from 'node:worker_threads';
import { CognifyError } from '../core/errors.js';
import type { CsvDialect } from '../diff/csv-parse.js';
import { fileChunks } from '../diff/table-side.js';
import { nodeProvider } from './node-crypto.js';

parentPort!.on('message', (job: { path: string; dialect: CsvDialect | null }) => {
  fileChunks(job.path, job.dialect, nodeProvider).then(
    (result) => parentPort!.postMessage({ result }),
    (e: unknown) =>
      parentPort!.postMessage({
        error: e instanceof CognifyError ? { kind: e.constructor.name, code: e.code, message: e.message, data: e.data } : { kind: 'Error', message: String((e as Error)?.stack ?? e) },
      }),
  );
});
