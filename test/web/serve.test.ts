// cognify serve end to end: the real CLI serving a real repository, driven in Debian's Chromium
// through playwright-core. A compliance reviewer finds the run in their inbox, sees what is
// missing, is refused with a wrong passphrase, signs with the right one and sees the status
// change; a model-risk reviewer completes the quorum. Forged posts and foreign hosts are refused,
// and the server does not listen beyond loopback unless told to.
import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listKeys } from '../../src/node/keystore.js';
import { addPeople, envFor, expectError, expectOk, initRepo, makeKey, PASS, run, Sandbox, snapshot, startServe, stop } from '../cli/_run.js';
import { CHROMIUM } from '../cards/_browser.js';

const sb = new Sandbox();
const LORA = resolve('fixtures/runs/credit-lora');
const CREDIT = resolve('fixtures/datasets/credit-decisions.v1.csv');
const PROVENANCE = resolve('fixtures/datasets/credit-decisions.provenance.yaml');
const POLICY = `name: two-reviewers
subjects:
  run:
    approvals:
      - role: model-risk
      - role: compliance
    separation:
      author: true
      distinct: true
`;

let home: string;
let dir: string;
let server: ChildProcess;
let url: string;
let serverOutput: () => string;
let browser: Browser;

/** `cognify serve` of the test repository with `keystore` as COGNIFY_HOME. */
function serve(args: string[], keystore = home): ReturnType<typeof startServe> {
  return startServe(dir, { COGNIFY_HOME: keystore }, args);
}

/** Do something that navigates, and wait for the new page to load. */
async function nav(page: Page, act: () => Promise<unknown>): Promise<void> {
  const loaded = page.waitForEvent('load');
  await act();
  await loaded;
}

async function text(page: Page, selector: string, has?: string): Promise<string> {
  const l = page.locator(selector, has === undefined ? {} : { hasText: has }).first();
  return (await l.textContent({ timeout: 10_000 })) ?? '';
}

async function logSize(): Promise<number> {
  const r = await run(['-C', dir, 'log', '--json'], { cwd: dir, env: envFor(home) });
  expectOk(r);
  return (JSON.parse(r.stdout) as unknown[]).length;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's chromium (apt-get install chromium) or set COGNIFY_CHROMIUM.`);
  home = await sb.dir('cognify-serve-home-');
  const root = await sb.dir('cognify-serve-');
  const ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
  await makeKey(home, 'Grace Hopper', 'grace@example.org');
  await makeKey(home, 'Alan Turing', 'alan@example.org');
  const keys = await listKeys({ home });
  ({ dir } = await initRepo(root, home, ada));
  await addPeople(dir, ada, [
    { key: keys.find((k) => k.email === 'grace@example.org')!, roles: ['compliance'] },
    { key: keys.find((k) => k.email === 'alan@example.org')!, roles: ['model-risk'] },
  ]);
  const policy = join(root, 'policy.yaml');
  writeFileSync(policy, POLICY);
  const cli = (args: string[]) => run(['--as', 'ada@example.org', ...args], { cwd: dir, env: envFor(home) });
  expectOk(await cli(['policy', 'set', policy]));
  expectOk(await cli(['dataset', 'commit', 'credit', CREDIT, '--key', 'applicant_id', '--provenance', PROVENANCE]));
  expectOk(await cli(['run', 'record', '--hf-trainer', LORA, '--name', 'credit-lora', '--dataset', 'train=credit']));
  ({ child: server, url, output: serverOutput } = await serve(['--as', 'grace@example.org']));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server) await stop(server);
  await sb.cleanup();
});

describe('cognify serve in a browser', () => {
  let page: Page;
  const foreign: string[] = [];
  const errors: string[] = [];

  it('shows a compliance reviewer the run waiting for them, with what is missing', async () => {
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', (r) => {
      if (!r.url().startsWith(url.replace(/\/$/, ''))) foreign.push(r.url());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    expect((await page.locator('h1').first().textContent())?.trim()).toBe('Inbox');
    expect((await page.locator('#who-key option:checked').first().textContent())?.trim()).toBe('Grace Hopper <grace@example.org>');
    const row = page.locator('table.inbox tbody tr', { hasText: 'run credit-lora@' });
    expect(await row.first().textContent()).toContain('sign as compliance');
    await nav(page, () => row.locator('a').click());
    expect(await page.locator('#status').first().textContent()).toContain('MISSING');
    expect(await page.locator('#status tr', { hasText: 'approval: compliance' }).first().textContent()).toContain('MISSING');
    expect(await page.locator('#status tr', { hasText: 'approval: model-risk' }).first().textContent()).toContain('MISSING');
    expect(await page.locator('#documents summary').first().isVisible()).toBe(true);
    expect(await page.locator('#log').first().textContent()).toContain('INCLUDED');
    expect(await page.locator('#log').first().textContent()).not.toContain('NOT PROVEN');
  }, 60_000);

  it('shows exactly what will be signed, refuses a wrong passphrase and signs with the right one', async () => {
    await page.locator('input[name=meaning][value=approved]').check();
    await page.locator('#sign-comment').fill('Fair-lending review complete');
    await nav(page, () => page.getByRole('button', { name: 'Review what you will sign' }).click());
    const statement = page.locator('.statement');
    expect(await statement.first().textContent()).toContain('Grace Hopper');
    expect(await statement.first().textContent()).toContain('approved');
    expect(await statement.first().textContent()).toContain('Fair-lending review complete');
    expect(await statement.first().textContent()).toContain('compliance');
    const subjectId = (await statement.locator('.mono').first().textContent())!;
    expect(subjectId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const time = (await statement.locator('tr', { hasText: 'Date and time' }).locator('td').textContent())!;
    expect(Date.parse(time)).toBeGreaterThan(Date.now() - 120_000);

    const before = await snapshot(dir);
    // By keyboard: the passphrase field has focus, Enter submits.
    await page.keyboard.type('not the passphrase');
    const refused = page.waitForResponse((r) => r.url().endsWith('/sign'));
    await nav(page, () => page.keyboard.press('Enter'));
    expect((await refused).status()).toBe(403);
    expect(await page.locator('.notice.error').first().textContent()).toContain('Wrong passphrase: nothing was signed');
    expect(await snapshot(dir)).toEqual(before);

    await page.locator('#passphrase').fill(PASS);
    await nav(page, () => page.getByRole('button', { name: 'Sign: approved' }).click());
    expect(await page.locator('.notice.ok').first().textContent()).toContain('Signed: approved by Grace Hopper as compliance');
    expect(await page.locator('#status tr', { hasText: 'approval: compliance' }).first().textContent()).toContain('MET');
    expect(await page.locator('#status tr', { hasText: 'approval: model-risk' }).first().textContent()).toContain('MISSING');
    expect(await page.locator('#signatures').first().textContent()).toContain('Fair-lending review complete');
    expect(page.url()).toContain(subjectId);
    // The signature is the CLI's: the repository verifies, and status agrees.
    const status = await run(['-C', dir, 'status', subjectId, '--json'], { cwd: dir, env: envFor(home) });
    expect((JSON.parse(status.stdout) as { state: string }).state).toBe('in-review');
    expectOk(await run(['-C', dir, 'verify'], { cwd: dir, env: envFor(home) }));
  }, 60_000);

  it('a second identity completes the quorum', async () => {
    await page.locator('#who-key').selectOption({ label: 'Alan Turing <alan@example.org>' });
    await nav(page, () => page.getByRole('button', { name: 'Switch' }).click());
    expect((await page.locator('#who-key option:checked').first().textContent())?.trim()).toBe('Alan Turing <alan@example.org>');
    await page.goto(url);
    await nav(page, () => page.locator('table.inbox tbody tr', { hasText: 'run credit-lora@' }).locator('a').click());
    await page.locator('input[name=meaning][value=approved]').check();
    await nav(page, () => page.getByRole('button', { name: 'Review what you will sign' }).click());
    expect(await page.locator('.statement').first().textContent()).toContain('Alan Turing');
    await page.locator('#passphrase').fill(PASS);
    await nav(page, () => page.getByRole('button', { name: 'Sign: approved' }).click());
    expect((await page.locator('.subject-head .badge').first().textContent())?.trim()).toBe('APPROVED');
    expect(await page.locator('#status').first().textContent()).not.toContain('MISSING');
    await page.goto(`${url}?state=approved`);
    expect(await page.locator('table.inbox').first().textContent()).toContain('run credit-lora@');
  }, 60_000);

  it('a rejection needs a comment and is signed as easily', async () => {
    await page.goto(`${url}?state=all&kind=dataset`);
    await nav(page, () => page.locator('table.inbox tbody tr', { hasText: 'dataset credit@1' }).locator('a').click());
    const before = await logSize();
    await page.locator('input[name=meaning][value=rejected]').check();
    await nav(page, () => page.getByRole('button', { name: 'Review what you will sign' }).click());
    expect(await page.locator('.notice.error').first().textContent()).toContain('A rejection needs a comment');
    await page.locator('input[name=meaning][value=rejected]').check();
    await page.locator('#sign-comment').fill('Provenance contact is a shared mailbox');
    await nav(page, () => page.getByRole('button', { name: 'Review what you will sign' }).click());
    await page.locator('#passphrase').fill(PASS);
    await nav(page, () => page.getByRole('button', { name: 'Sign: rejected' }).click());
    expect((await page.locator('.subject-head .badge').first().textContent())?.trim()).toBe('REJECTED');
    expect(await logSize()).toBe(before + 1);
  }, 60_000);

  it('shows the audit log verified, filters it, and checks a pasted checkpoint', async () => {
    await page.goto(`${url}log`);
    expect(await page.locator('.notice.ok').first().textContent()).toContain('VERIFIED');
    await page.locator('#f-action').selectOption('approval.sign');
    await nav(page, () => page.getByRole('button', { name: 'Filter' }).click());
    const rows = page.locator('main table tbody tr');
    expect(await rows.count()).toBe(3);
    // Alan approved the run and rejected the dataset.
    await page.locator('#f-actor').fill('alan@example.org');
    await nav(page, () => page.getByRole('button', { name: 'Filter' }).click());
    expect(await rows.count()).toBe(2);
    const early = await run(['-C', dir, 'log', 'checkpoint'], { cwd: dir, env: envFor(home) });
    await page.locator('#cp-text').fill(early.stdout.replace(/\n/g, '\r\n'));
    await nav(page, () => page.getByRole('button', { name: 'Check consistency' }).click());
    expect(await page.locator('.notice', { hasText: 'CONSISTENT' }).first().textContent()).toContain('is a prefix of this log');
    const forged = early.stdout.replace(/^(.*\n\d+\n)(.)/, (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'));
    await page.locator('#cp-text').fill(forged);
    await nav(page, () => page.getByRole('button', { name: 'Check consistency' }).click());
    expect(await page.locator('.notice.error').first().textContent()).toContain('NOT CONSISTENT');
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('prints without navigation or forms', async () => {
    await page.goto(`${url}?state=all`);
    await nav(page, () => page.locator('table.inbox a', { hasText: 'run credit-lora@' }).click());
    await page.emulateMedia({ media: 'print' });
    for (const hidden of ['header.bar', '#sign', 'form.who']) expect(await page.locator(hidden).first().isVisible(), hidden).toBe(false);
    expect(await page.locator('#status').isVisible()).toBe(true);
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });
  }, 60_000);

  it('stays usable at 200% zoom: nothing wider than the window but scrollable tables', async () => {
    const narrow = await browser.newPage({ viewport: { width: 600, height: 800 }, deviceScaleFactor: 2 });
    await narrow.context().addCookies(await page.context().cookies());
    for (const path of ['', 'log']) {
      await narrow.goto(url + path);
      const overflow = await narrow.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
    }
    await narrow.close();
  }, 60_000);
});

/** A browser session of our own: its cookie and the CSRF token the page gives it. */
async function session(): Promise<{ cookie: string; csrf: string; subject: string }> {
  const first = await fetch(`${url}?state=all`);
  const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const html = await first.text();
  return { cookie, csrf: /name="csrf" value="([0-9a-f]+)"/.exec(html)![1]!, subject: /href="\/subject\/([^"]+)">run credit-lora/.exec(html)![1]! };
}

function post(path: string, cookie: string, form: Record<string, string>): Promise<Response> {
  return fetch(url + path.replace(/^\//, ''), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams(form) });
}

describe('what the server refuses', () => {
  it('refuses a statement shown too long ago, or to someone else, and signs nothing', async () => {
    const { cookie, csrf, subject } = await session();
    const before = await snapshot(dir);
    const keys = await listKeys({ home });
    const grace = keys.find((k) => k.email === 'grace@example.org')!;
    const alan = keys.find((k) => k.email === 'alan@example.org')!;
    const form = { csrf, meaning: 'reviewed', role: 'compliance', comment: '', fingerprint: grace.fingerprint, passphrase: PASS };
    const stale = await post(`/subject/${subject}/sign`, cookie, { ...form, time: new Date(Date.now() - 11 * 60_000).toISOString() });
    expect(stale.status).toBe(409);
    expect(await stale.text()).toContain('shown more than 10 minutes ago');
    const other = await post(`/subject/${subject}/sign`, cookie, { ...form, fingerprint: alan.fingerprint, time: new Date().toISOString() });
    expect(other.status).toBe(409);
    expect(await other.text()).toContain('You switched identity after this statement was shown');
    // A time not in the form the page writes is not a statement the page showed.
    const odd = await post(`/subject/${subject}/sign`, cookie, { ...form, time: new Date().toUTCString() });
    expect(odd.status).toBe(409);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('switches identity and returns only to a path on this page', async () => {
    const { cookie, csrf } = await session();
    const alan = (await listKeys({ home })).find((k) => k.email === 'alan@example.org')!;
    for (const [back, to] of [['/log?actor=alan', '/log?actor=alan'], ['//evil.example/', '/'], ['/\\evil.example/', '/'], ['https://evil.example/', '/']]) {
      const r = await post('/identity', cookie, { csrf, fingerprint: alan.fingerprint, back: back! });
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe(to);
    }
    expect((await post('/identity', cookie, { csrf, fingerprint: 'f'.repeat(64), back: '/' })).status).toBe(400);
  });

  it('never stores or prints the passphrase', async () => {
    expect(serverOutput()).not.toContain(PASS);
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect((await readFile(join(f.parentPath, f.name))).includes(PASS), join(f.parentPath, f.name)).toBe(false);
  });

  it('answers a missing page or subject with 404, and an oversized or foreign body with 413 or 415', async () => {
    const { cookie, csrf } = await session();
    const missing = await fetch(`${url}subject/sha256:${'0'.repeat(64)}`, { headers: { cookie } });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/<h1>Not found<\/h1>[\s\S]*no object matches/);
    expect((await fetch(`${url}no-such-page`, { headers: { cookie } })).status).toBe(404);
    expect((await post('/log/checkpoint', cookie, { csrf, checkpoint: 'x'.repeat(70_000) })).status).toBe(413);
    const json = await fetch(`${url}log/checkpoint`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ csrf }) });
    expect(json.status).toBe(415);
  });

  it('refuses a post without the CSRF token, and changes nothing', async () => {
    const before = await snapshot(dir);
    const page = await fetch(`${url}?state=all`);
    const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const subject = /href="\/subject\/([^"]+)"/.exec(await page.text())![1]!;
    const form = new URLSearchParams({ meaning: 'approved', role: 'compliance', comment: '', time: new Date().toISOString(), passphrase: PASS });
    for (const headers of [{}, { cookie }] as Record<string, string>[]) {
      const r = await fetch(`${url}subject/${subject}/sign`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form });
      expect(r.status).toBe(403);
      expect(await r.text()).toContain('CSRF token is missing or stale');
    }
    // A token from the page, but posted from another origin.
    const token = /name="csrf" value="([0-9a-f]+)"/.exec(await (await fetch(url, { headers: { cookie } })).text())![1]!;
    form.set('csrf', token);
    const cross = await fetch(`${url}subject/${subject}/sign`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: 'http://evil.example' }, body: form });
    expect(cross.status).toBe(403);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('answers only to its own host name (DNS rebinding)', async () => {
    const u = new URL(url);
    const r = await new Promise<string>((res, rej) => {
      const s = connect(Number(u.port), u.hostname, () => s.write(`GET / HTTP/1.1\r\nHost: rebind.example:${u.port}\r\nConnection: close\r\n\r\n`));
      let out = '';
      s.on('data', (c) => (out += c.toString()));
      s.on('end', () => res(out));
      s.on('error', rej);
    });
    expect(r.split('\r\n')[0]).toBe('HTTP/1.1 421 Misdirected Request');
  });

  it('listens on loopback only: another address of this machine is refused', async () => {
    const u = new URL(url);
    expect(u.hostname).toBe('127.0.0.1');
    const others = Object.values(networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4').map((a) => a!.address);
    for (const address of others) {
      const outcome = await new Promise<string>((res) => {
        const s = connect(Number(u.port), address, () => (s.destroy(), res('connected')));
        s.on('error', (e: NodeJS.ErrnoException) => res(e.code ?? 'error'));
      });
      expect(outcome, `connecting to ${address}:${u.port}`).toBe('ECONNREFUSED');
    }
  });

  it('will not serve on another address without --allow-remote', async () => {
    expect(expectError(await run(['-C', dir, 'serve', '--host', '0.0.0.0', '--port', '0'], { cwd: dir, env: { COGNIFY_HOME: home } }), 'USAGE', 2)).toMatch(/listens on 127\.0\.0\.1 only; .*add --allow-remote/);
    expect(expectError(await run(['-C', dir, 'serve', '--port', '70000'], { cwd: dir, env: { COGNIFY_HOME: home } }), 'USAGE', 2)).toMatch(/--port must be at most 65535/);
    expect(expectError(await run(['-C', dir, 'serve', '--port', new URL(url).port], { cwd: dir, env: { COGNIFY_HOME: home } }), 'USAGE', 2)).toMatch(/port \d+ on 127\.0\.0\.1 is in use; choose another with --port/);
    expect(expectError(await run(['-C', home, 'serve', '--port', '0'], { cwd: dir, env: { COGNIFY_HOME: home } }), 'REPO_NOT_FOUND', 8)).toMatch(/cognify init/);
  });

  it('with no key of this repository in the keystore, everything reads and nothing offers to sign', async () => {
    const { child, url: bare } = await serve([], await sb.dir('cognify-serve-nokeys-'));
    try {
      const inbox = await (await fetch(`${bare}?state=all`)).text();
      expect(inbox).toContain('No key in this keystore belongs to an identity of this repository');
      expect(inbox).toContain('To sign, you need a key in this machine');
      expect(inbox).not.toContain('Choose who you are');
      const subject = /href="\/subject\/([^"]+)">run credit-lora/.exec(inbox)![1]!;
      const page = await (await fetch(`${bare}subject/${subject}`)).text();
      expect(page).toContain('<h2>Status against the policy</h2>');
      expect(page).not.toContain('Review what you will sign');
    } finally {
      await stop(child);
    }
  });

  it('with --allow-remote, every request needs the access token printed at start', async () => {
    const { child, url: remote } = await serve(['--host', '0.0.0.0', '--allow-remote']);
    try {
      const token = new URL(remote).searchParams.get('token')!;
      expect(token.length).toBeGreaterThanOrEqual(32);
      const bare = new URL(remote);
      bare.search = '';
      expect((await fetch(bare)).status).toBe(401);
      expect((await fetch(`${bare.origin}/?token=wrong`)).status).toBe(401);
      const first = await fetch(remote, { redirect: 'manual' });
      expect(first.status).toBe(303);
      const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const inbox = await fetch(bare, { headers: { cookie } });
      expect(inbox.status).toBe(200);
      expect(await inbox.text()).toContain('<h1>Inbox</h1>');
    } finally {
      await stop(child);
    }
  });
});
