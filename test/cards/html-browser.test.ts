// The HTML document in a real browser: it loads with no errors and no requests (self-contained),
// no chart label falls outside its chart, and it prints to a PDF. The screenshot and PDF are kept
// in artifacts/cards/ for a person to look at.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { renderHtml } from '../../src/cards/render-html.js';
import { sampleDoc } from './_doc-fixture.js';
import { renderInChromium } from './_browser.js';

const dir = fileURLToPath(new URL('../../artifacts/cards/', import.meta.url));

it('renders in Chromium with no errors or requests, and prints to PDF', async () => {
  const out = { png: `${dir}sample.png`, pdf: `${dir}sample.pdf` };
  const r = await renderInChromium(renderHtml(sampleDoc()), out);
  expect(r.consoleErrors).toEqual([]);
  expect(r.pageErrors).toEqual([]);
  expect(r.requests).toEqual([]);
  expect(r.clippedText).toEqual([]);
  expect(statSync(out.png).size).toBeGreaterThan(10_000);
  const pdf = readFileSync(out.pdf);
  expect(pdf.length).toBeGreaterThan(1024);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
}, 60_000);
