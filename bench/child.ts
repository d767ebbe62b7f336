// One measured operation in its own process: `node [nodeArgs] script --child <job as JSON>`,
// whose last stdout line is its result as JSON. TMPDIR is the bench's temporary directory, so a
// child's spill files stay there. UV_THREADPOOL_SIZE is 1, as bin/cognify.cjs sets it for the CLI,
// unless the bench was started with a size: the figures are what a CLI user sees.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * This process's peak RSS in MB: VmHWM, the high-water mark of its own memory since exec. Not
 * getrusage's maxRSS: Linux carries into it the RSS of the forked copy of the parent before exec,
 * so every child of a 725 MB bench parent reported 725 MB (a 40 MB child of an 800 MB parent
 * reports 767). Elsewhere, maxRSS (KiB).
 */
export function peakRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return (Number(m[1]) * 1024) / 1e6;
  } catch {
    // not Linux
  }
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}

export function runChild<T>(script: string, job: unknown, opts: { cwd: string; what: string; nodeArgs?: string[] }): Promise<T> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, '--child', JSON.stringify(job)], { cwd: opts.cwd, env: { UV_THREADPOOL_SIZE: '1', ...process.env, TMPDIR: opts.cwd }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('error', reject);
    c.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${opts.what} failed, exit ${code}:\n${stderr.trim().slice(-2000)}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as T);
      } catch (e) {
        reject(new Error(`${opts.what}: unreadable output ${JSON.stringify(stdout.slice(0, 200))}`, { cause: e }));
      }
    });
  });
}
