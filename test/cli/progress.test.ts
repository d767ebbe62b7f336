// Progress on long transfers (issue 7): on stderr, only when it is a terminal, at most ten times a
// second, and cleared before the result is printed. The real CLI's stderr is a pipe in tests, so
// the terminal case drives the formatter with a stream that says it is one.
import { describe, expect, it } from 'vitest';
import { transferProgress } from '../../bin/format.js';

function fakeStderr(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  return { stream: { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream, written };
}

describe('transfer progress', () => {
  it('on a terminal: phase, objects, bytes and rate, throttled, then cleared', () => {
    const { stream, written } = fakeStderr(true);
    // a clock the test moves (a real one failed on a loaded machine: the process slept 100 ms between two calls)
    let now = 5000;
    const bar = transferProgress(stream, () => now);
    now += 1000;
    bar.onProgress!({ phase: 'sending', items: 1024, bytes: 3 * 1024 * 1024 });
    now += 99;
    bar.onProgress!({ phase: 'sending', items: 2048, bytes: 6 * 1024 * 1024 }); // within 100 ms: not drawn
    expect(written).toHaveLength(1);
    expect(written[0]).toBe('\r\x1b[Ksending: 1,024 objects, 3.0 MiB, 3.0 MiB/s');
    now += 1;
    bar.onProgress!({ phase: 'verifying', items: 4096, bytes: 12 * 1024 * 1024 });
    expect(written[1]).toMatch(/^\r\x1b\[Kverifying: 4,096 objects, 12\.0 MiB/);
    bar.done();
    expect(written.at(-1)).toBe('\r\x1b[K');
  });

  it('not a terminal: nothing at all', () => {
    const { stream, written } = fakeStderr(false);
    const bar = transferProgress(stream);
    expect(bar.onProgress).toBeUndefined();
    bar.done();
    expect(written).toEqual([]);
  });
});
