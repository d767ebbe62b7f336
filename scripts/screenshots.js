#!/usr/bin/env node
// npm run screenshots: the README's pictures of the review page (docs/serve-*.png), taken from the
// demo record in Debian's Chromium. Needs a build (npm run build) and /usr/bin/chromium.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const demo = spawnSync(process.execPath, [here('./demo.js'), '--keep'], { encoding: 'utf8' });
const root = /Kept (\S+);/.exec(demo.stdout)?.[1];
if (demo.status !== 0 || !root) {
  process.stderr.write(`screenshots: the demo failed:\n${demo.stdout}${demo.stderr}`);
  process.exit(1);
}
const server = spawn(process.execPath, [here('../bin/cognify.cjs'), '-C', join(root, 'record'), 'serve', '--port', '0', '--json', '--as', 'grace@example.org'], {
  env: { PATH: process.env.PATH, COGNIFY_HOME: join(root, 'keystore') },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (c) => {
    out += c;
    try {
      resolve(JSON.parse(out).url);
    } catch {
      // more to come
    }
  });
  server.once('exit', (code) => reject(new Error(`cognify serve exited ${code}`)));
});
const browser = await chromium.launch({ executablePath: process.env.COGNIFY_CHROMIUM || '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  const go = async (act) => {
    const loaded = page.waitForEvent('load');
    await act();
    await loaded;
  };
  await page.goto(url);
  await page.screenshot({ path: here('../docs/serve-inbox.png') });
  await go(() => page.goto(`${url}?state=all`));
  await go(() => page.locator('a', { hasText: 'run credit-lora@' }).click());
  await page.screenshot({ path: here('../docs/serve-subject.png'), clip: { x: 0, y: 0, width: 1200, height: 1500 }, fullPage: true });
  await go(() => page.goto(url));
  await go(() => page.locator('a', { hasText: 'run lora-r8' }).click());
  await page.locator('#sign-comment').fill('Reviewed against the bank policy; the bias analysis is still missing.');
  await page.locator('input[name=meaning][value=rejected]').check();
  await go(() => page.getByRole('button', { name: 'Review what you will sign' }).click());
  await page.setViewportSize({ width: 1200, height: 840 });
  await page.screenshot({ path: here('../docs/serve-sign.png') });
} finally {
  await browser.close();
  server.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
}
console.log('wrote docs/serve-inbox.png, docs/serve-subject.png, docs/serve-sign.png');
