// Hostile input (issue 9, point 2), with fast-check: the only acceptable outcomes of a reader fed
// anything are a result or a typed CognifyError. A TypeError, a RangeError, a hang or a crash is a
// defect. Runs per property: COGNIFY_FUZZ_RUNS (CI default below; longer runs outside CI).
import fc from 'fast-check';
import { expect } from 'vitest';
import { CognifyError } from '../../src/core/errors.js';

export const RUNS = Number(process.env.COGNIFY_FUZZ_RUNS ?? 300);
/**
 * The seed: fixed in npm test, so CI runs the same inputs every time (a time limit cannot stop a
 * reader stuck in a synchronous loop, so a random seed could hang the suite); set
 * COGNIFY_FUZZ_SEED=random, or a number, to explore.
 */
export const SEED = process.env.COGNIFY_FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.COGNIFY_FUZZ_SEED ?? 20261127);
/** Readers that touch the disk get fewer runs. */
export const FILE_RUNS = Math.max(20, Math.round(RUNS / 10));

/** Run `f`; a CognifyError is an answer, anything else thrown is returned as the defect it is. */
export async function outcome(f: () => unknown): Promise<'ok' | 'refused'> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (e instanceof CognifyError) return 'refused';
    throw new Error(`not a CognifyError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`, { cause: e });
  }
}

/** Bytes near `valid`: some flipped, some cut off, some inserted; plus wholly random ones. */
export function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const flips = fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
    const b = Uint8Array.from(valid);
    for (const [i, x] of edits) b[i]! ^= x;
    return b;
  });
  const cut = fc.nat(valid.length - 1).map((n) => valid.subarray(0, n));
  const insert = fc.tuple(fc.nat(valid.length), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([i, ins]) => Uint8Array.from([...valid.subarray(0, i), ...ins, ...valid.subarray(i)]));
  return fc.oneof(flips, cut, insert, fc.uint8Array({ maxLength: 512 }));
}

/** Text near `valid`, edited at the character level, plus random text. */
export function mutatedText(valid: string): fc.Arbitrary<string> {
  const noise = fc.constantFrom('', '\n', '\r\n', '"', ',', ':', '{', '}', '[', ']', '- ', '  ', '\t', '#', '\\', '\u0000', '\uFFFD', 'NaN', '-Infinity', '1e999', 'null', '&a *a', '*a', '? [a]\n: b\n', '? {a: 1}', '!!binary');
  const edit = fc.array(fc.tuple(fc.nat(Math.max(0, valid.length - 1)), fc.nat(8), noise), { minLength: 1, maxLength: 6 }).map((edits) => {
    let s = valid;
    for (const [at, del, ins] of edits) s = s.slice(0, at) + ins + s.slice(at + del);
    return s;
  });
  return fc.oneof(edit, fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }));
}

/**
 * fast-check's assertion, with a per-run time limit (a hang is a failure too) and no process
 * warning: a library printing to stderr breaks the CLI's one-error-line contract.
 */
export async function check<T>(arb: fc.Arbitrary<T>, body: (x: T) => Promise<unknown>, runs = RUNS): Promise<void> {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (x) => {
        expect(['ok', 'refused']).toContain(await body(x));
      }),
      { numRuns: runs, seed: SEED, timeout: 10_000, markInterruptAsFailure: true },
    );
    // Warnings are delivered on a later tick.
    await new Promise((r) => setImmediate(r));
    expect(warnings).toEqual([]);
  } finally {
    process.off('warning', onWarning);
  }
}
