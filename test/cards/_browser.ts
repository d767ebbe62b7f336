// Opens an HTML string in headless Chromium (Debian's /usr/bin/chromium through playwright-core,
// which ships no browser of its own), records console errors, page errors and every request the
// page makes, and writes a full-page screenshot and optionally an A4 PDF. A self-contained
// document makes no request at all, so any request is a finding.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.COGNIFY_CHROMIUM || '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Runs in the page, so it is a string: the test tsconfig has no DOM types. getBBox is in the
// text's own user space; map its corners through the text's and the svg's screen matrices to
// compare them with the viewBox.
const CLIPPED_TEXT = `(() => {
  const bad = [];
  for (const t of document.querySelectorAll('svg.chart text')) {
    const svg = t.closest('svg'), vb = svg.viewBox.baseVal, b = t.getBBox();
    const m = t.getScreenCTM(), s = svg.getScreenCTM().inverse();
    const pts = [[b.x, b.y], [b.x + b.width, b.y + b.height]].map(([x, y]) => new DOMPoint(x, y).matrixTransform(m).matrixTransform(s));
    const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
    if (Math.min(...xs) < vb.x - 0.5 || Math.max(...xs) > vb.x + vb.width + 0.5 || Math.min(...ys) < vb.y - 0.5 || Math.max(...ys) > vb.y + vb.height + 0.5) bad.push(t.textContent);
  }
  return bad;
})()`;

export interface BrowserReport {
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
  /** SVG text drawn (partly) outside its chart's viewBox: a clipped label. */
  clippedText: string[];
}

export async function renderInChromium(html: string, out: { png: string; pdf?: string }): Promise<BrowserReport> {
  if (!existsSync(CHROMIUM)) {
    // Not a skip: without a browser the print path is untested, and that must be visible.
    throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's chromium (sudo apt-get install chromium) or set COGNIFY_CHROMIUM to a Chromium binary.`);
  }
  // playwright-core gives every launch a fresh temporary profile (user-data-dir) of its own.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const report: BrowserReport = { consoleErrors: [], pageErrors: [], requests: [], clippedText: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') report.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => report.pageErrors.push(String(e)));
    page.on('request', (r) => report.requests.push(r.url()));
    await page.setContent(html, { waitUntil: 'load' });
    report.clippedText = await page.evaluate<string[]>(CLIPPED_TEXT);
    mkdirSync(dirname(out.png), { recursive: true });
    await page.screenshot({ path: out.png, fullPage: true });
    if (out.pdf) {
      mkdirSync(dirname(out.pdf), { recursive: true });
      await page.pdf({ path: out.pdf, format: 'A4', printBackground: true, preferCSSPageSize: true });
    }
  } finally {
    await browser.close();
  }
  return report;
}
