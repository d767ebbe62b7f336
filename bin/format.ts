// Small text formatters shared by the commands.

/** Bytes for people: B, KiB, MiB, GiB. */
export function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * A progress bar on stderr, only when stderr is a terminal (DESIGN.md "CLI conventions"):
 * `onProgress` for the library's long operations, `done` to clear the line.
 */
export function progressBar(stderr: NodeJS.WriteStream, label: string): { onProgress?: (done: number, total: number) => void; done: () => void } {
  if (stderr.isTTY !== true) return { done: () => {} };
  const t0 = performance.now();
  let last = 0;
  return {
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 30;
      const filled = total > 0 ? Math.round((done / total) * width) : width;
      const rate = done / Math.max(1e-3, (now - t0) / 1000);
      stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${size(done)} of ${size(total)}, ${size(rate)}/s   `);
    },
    done: () => stderr.write('\r\x1b[K'),
  };
}

/**
 * Progress of a transfer whose total is not known ahead (bundles, push, pull) on stderr, only
 * when it is a terminal: the phase, objects so far, bytes so far and the rate, at most ten times a second.
 */
export function transferProgress(stderr: NodeJS.WriteStream, clock: () => number = () => performance.now()): { onProgress?: (p: { phase: string; items: number; bytes: number }) => void; done: () => void } {
  if (stderr.isTTY !== true) return { done: () => {} };
  const t0 = clock();
  let last = -Infinity;
  let shown = false;
  return {
    onProgress: ({ phase, items, bytes }) => {
      const now = clock();
      if (now - last < 100) return;
      last = now;
      shown = true;
      const rate = bytes / Math.max(1e-3, (now - t0) / 1000);
      stderr.write(`\r\x1b[K${phase}: ${items.toLocaleString('en-US')} objects, ${size(bytes)}, ${size(rate)}/s`);
    },
    done: () => {
      if (shown) stderr.write('\r\x1b[K');
    },
  };
}
