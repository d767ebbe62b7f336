// Crash consistency, the long run: 40 kills per operation, 200 in all (issue 9). Not in npm test;
// run it with npm run test:slow (about 15 minutes on two cores).
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../cli/_run.js';
import { crashTrials, makeBase } from '../crash/_crash.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

describe('SIGKILL during a write, 200 times', () => {
  it('always leaves a repository that verifies, and the operation succeeds when done again', async () => {
    const seed = Number(process.env.COGNIFY_CRASH_SEED ?? Date.now() % 1_000_000);
    const base = await makeBase(sb);
    const r = await crashTrials(sb, base, 40, seed);
    expect(r.trials).toBe(200);
    // Most kills must land inside the operation, or the run proves little.
    expect(r.killed).toBeGreaterThan(150);
  }, 3_600_000);
});
