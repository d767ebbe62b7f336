// src/cards/render-html.ts and src/cards/svg.ts on a hand-made Doc: self-contained (no scripts,
// no URLs in attributes), every user string escaped, MISSING shown only for required items, every
// citation anchored in the evidence table, deterministic, and no NaN from degenerate charts.
import { describe, expect, it } from 'vitest';
import { evidenceAnchor, renderHtml } from '../../src/cards/render-html.js';
import { chartSvg } from '../../src/cards/svg.js';
import type { Chart, Doc } from '../../src/cards/types.js';
import { citedIds, fakeId, HOSTILE, ID, sampleDoc } from './_doc-fixture.js';

const html = renderHtml(sampleDoc());
const ESCAPED = '&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;';
const VOID = new Set(['meta', 'br', 'wbr', 'col', 'img', 'input', 'hr', 'link', 'source']);

function tags(s: string): string[] {
  return s.match(/<[a-zA-Z][^>]*>/g) ?? [];
}

function attrs(tag: string): [string, string][] {
  return [...tag.matchAll(/\s([\w:-]+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]);
}

/** The <tr> of a fields table whose label is `label`. */
function fieldRow(s: string, label: string): string {
  const at = s.indexOf(`<th scope="row">${label}</th>`);
  expect(at, label).toBeGreaterThan(0);
  return s.slice(s.lastIndexOf('<tr', at), s.indexOf('</tr>', at));
}

describe('renderHtml: self-contained', () => {
  it('has no script, and links only within the page', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed|base)\b/i);
    for (const tag of tags(html)) {
      for (const [name, value] of attrs(tag)) {
        expect(value, `${name} in ${tag}`).not.toMatch(/https?:|\/\//i);
        if (['href', 'src', 'xlink:href', 'action', 'srcset', 'poster', 'data'].includes(name)) expect(value.startsWith('#'), `${name}="${value}"`).toBe(true);
        expect(name.startsWith('on'), `event handler ${name}`).toBe(false);
      }
    }
    const css = html.slice(html.indexOf('<style>'), html.indexOf('</style>'));
    expect(css).not.toMatch(/url\(|@import|@font-face/);
    // SVG references (markers, patterns) are fragment-only.
    for (const m of html.matchAll(/url\(([^)]*)\)/g)) expect(m[1]!.startsWith('#')).toBe(true);
  });

  it('is well-formed: every element closed in order, ids unique', () => {
    const stack: string[] = [];
    for (const m of html.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
      const [, close, name, self] = m;
      if (self || VOID.has(name!.toLowerCase())) continue;
      if (close) expect(stack.pop(), `</${name}>`).toBe(name);
      else stack.push(name!);
    }
    expect(stack).toEqual([]);
    const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('renderHtml: content', () => {
  it('escapes every user string', () => {
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('alert(1)</script>');
    expect(html.match(/<\/style>/g)).toHaveLength(1);
    // Title, subject, repo, paragraph, field, table cell, list, hint, signature comment and
    // withdrawal reason, evidence signers, front matter, footer, and the SVG labels.
    expect(html.split(ESCAPED).length - 1).toBeGreaterThanOrEqual(15);
    expect(html).toContain(`<title>Model card: credit-lora ${ESCAPED}`);
    expect(html).toMatch(/<text [^>]*>train: loans-2024 &lt;b&gt;&amp;&quot;&#39;&lt;\/b&gt; see [^<]*…<\/text>/);
  });

  it('shows MISSING for required null fields only, "not recorded" for optional ones', () => {
    const required = fieldRow(html, 'Intended use');
    expect(required).toContain('>MISSING</span>');
    expect(required).toContain('answer intendedUse in the --answers file');
    const optional = fieldRow(html, 'Licence');
    expect(optional).not.toContain('MISSING');
    expect(optional).toContain('not recorded');
    expect(fieldRow(html, 'Model name')).not.toContain('MISSING');
    // One field, one missing block, two items in the missing list.
    expect(html.match(/>MISSING<\/span>/g)).toHaveLength(4);
    expect(html).toContain('<a href="#overview">Model details</a>');
  });

  it('anchors every citation in the evidence table', () => {
    const targets = new Set([...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]));
    const hrefs = [...html.matchAll(/href="#([^"]*)"/g)].map((m) => m[1]!);
    for (const h of hrefs) expect(targets.has(h), `#${h}`).toBe(true);
    for (const id of citedIds(sampleDoc())) {
      const anchor = `ev-${id.slice(7, 19)}`;
      expect(evidenceAnchor(id)).toBe(anchor);
      expect(html).toContain(`<tr id="${anchor}">`);
      expect(html).toContain(`<a class="cite" href="#${anchor}" title="${id}">${id.slice(0, 15)}…</a>`);
    }
  });

  it('renders every block and the fixed parts', () => {
    for (const id of ['overview', 'lineage', 'training-data', 'evaluation', 'bias']) expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('<aside class="note" role="note">');
    expect(html).toContain('No scan findings were waived.');
    expect(html).toContain('<th scope="col" class="src">Source</th>');
    expect(html).toContain('<li><span class="t">PII scan: 0 findings in 48,210 rows.</span>');
    expect(html.match(/<svg class="chart"/g)).toHaveLength(5);
    expect(html).toContain('Signatures (21 CFR 11.50)');
    expect(html).toMatch(/<tr class="withdrawn"><td class="t"><s>Sam Validator<\/s>/);
    expect(html).toContain('WITHDRAWN</span> at 2025-03-05T09:00:00Z: <span class="t">Wrong dataset version');
    expect(html).toContain('cognify verify</code> passed for the whole repository when this document was generated');
    expect(html).toContain('This document rests on 128 objects (57 of them signed), recorded in the first 64 log entries.');
    expect(html).toContain('sha256:5d41402abc4b2a76b9719d911017c592ae2f4c1b8e3d9a0f7c6b5a4938271605');
    expect(html).toContain('<h2>Hugging Face metadata</h2>');
    expect(html).toContain('&quot;license&quot;: &quot;apache-2.0&quot;');
  });

  it('says so when nothing is signed, missing or in front matter, and when verification failed', () => {
    const d: Doc = { ...sampleDoc(), signatures: [], missing: [], frontMatter: null };
    d.verification = { ...d.verification, ok: false, problem: `signature of ${ID.run} does not verify ${HOSTILE}` };
    const h = renderHtml(d);
    expect(h).toContain('No signatures recorded.');
    expect(h).toContain('None: every required item is answered.');
    expect(h).not.toContain('Hugging Face metadata');
    expect(h).toContain(`FAILED</span> <code>cognify verify</code> failed: <span class="t">signature of ${ID.run} does not verify ${ESCAPED}`);
  });

  it('is deterministic', () => {
    expect(renderHtml(sampleDoc())).toBe(html);
  });
});

describe('chartSvg: degenerate input', () => {
  const nodes = Array.from({ length: 60 }, (_, i) => ({ id: fakeId(500 + i), label: `checkpoint-${i}`, group: 'checkpoint' as const }));
  const charts: Chart[] = [
    { kind: 'loss', title: 'empty', series: [] },
    { kind: 'loss', title: 'no finite point', series: [{ name: 'loss', points: [[NaN, 1], [2, Infinity], [3, -Infinity], [Infinity, 0]] }] },
    { kind: 'loss', title: 'one point', series: [{ name: 'loss', points: [[5, 0.7]] }] },
    { kind: 'loss', title: 'flat', series: [{ name: 'loss', points: [[0, 0], [10, 0], [20, 0]] }, { name: 'empty', points: [] }] },
    { kind: 'loss', title: 'many', series: Array.from({ length: 20 }, (_, i) => ({ name: `s${i}`, points: [[0, i], [1, i + 1]] as [number, number][] })) },
    { kind: 'loss', title: 'huge', series: [{ name: 'loss', points: [[0, -1.7e308], [1, 1.7e308]] }] },
    { kind: 'thresholds', title: 'bad', rows: [{ label: 'x', value: NaN, threshold: Infinity, direction: 'higher', passed: false }, { label: 'y', value: -Infinity, threshold: NaN, direction: 'lower', passed: true }] },
    { kind: 'thresholds', title: 'none', rows: [] },
    { kind: 'bias', title: 'bad', attribute: 'a', groups: [{ label: 'g', rate: NaN, ratio: NaN, n: Infinity, flagged: true, smallSample: true }, { label: 'h', rate: 0, ratio: null, n: 0, flagged: false, smallSample: true }] },
    { kind: 'bias', title: 'none', attribute: 'a', groups: [] },
    { kind: 'diff', title: 'bad', rows: [{ label: 'r', added: NaN, removed: -3, modified: Infinity, moved: 0 }] },
    { kind: 'diff', title: 'none', rows: [] },
    { kind: 'lineage', nodes: [], edges: [{ from: 'a', to: 'b' }] },
    { kind: 'lineage', nodes: [{ id: ID.run, label: 'run', group: 'run' }, ...nodes], edges: nodes.map((n) => ({ from: ID.run, to: n.id })) },
  ];

  it('never writes NaN or Infinity, and always has a title and a finite viewBox', () => {
    for (const c of charts) {
      const svg = chartSvg(c);
      expect(svg, JSON.stringify(c).slice(0, 80)).not.toMatch(/NaN|Infinity/);
      expect(svg).toMatch(/^<svg class="chart" viewBox="0 0 900 \d+(\.\d)?" width="100%"/);
      expect(svg).toContain('<title');
    }
  });

  it('caps a long lineage column and says how many are left out', () => {
    const svg = chartSvg(charts[charts.length - 1]!);
    expect(svg).toContain('… and 36 more');
    expect(svg.match(/marker-end=/g)).toHaveLength(24);
  });

  it('renders a document of degenerate charts without NaN', () => {
    const d = sampleDoc();
    d.sections = [{ id: 'charts', title: 'Charts', blocks: charts.map((chart) => ({ type: 'chart' as const, chart, cite: [] })) }];
    const h = renderHtml(d);
    expect(h).not.toMatch(/NaN|Infinity/);
    expect(h.match(/<svg class="chart"/g)).toHaveLength(charts.length);
  });
});
