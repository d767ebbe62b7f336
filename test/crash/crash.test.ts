// Crash consistency in CI: two kills per operation (the harness is test/crash/_crash.ts; the 200
// trial run is test/slow/crash.test.ts, npm run test:slow).
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../cli/_run.js';
import { crashTrials, makeBase } from './_crash.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

describe('SIGKILL during a write', () => {
  it('leaves a repository that verifies, and the operation succeeds when done again', async () => {
    const seed = Number(process.env.COGNIFY_CRASH_SEED ?? Date.now() % 1_000_000);
    const base = await makeBase(sb);
    const r = await crashTrials(sb, base, Number(process.env.COGNIFY_CRASH_TRIALS ?? 2), seed);
    expect(r.trials).toBe(base.ops.length * Number(process.env.COGNIFY_CRASH_TRIALS ?? 2));
    expect(r.killed).toBeGreaterThan(0);
  }, 600_000);
});
