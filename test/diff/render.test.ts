// The diff renderers (src/diff/render.ts): exact jsonl, csv and text output, HTML that data cannot
// break out of, and that every renderer reads its input lazily, one record at a time.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/core/bytes.js';
import { InputError } from '../../src/core/errors.js';
import type { AddedRow, ModifiedRow, MovedRow, RemovedRow, RowChange, SchemaChange } from '../../src/diff/changes.js';
import { parseCsvRow } from '../../src/diff/csv-parse.js';
import {
  HTML_CSP,
  HTML_SCRIPT,
  HTML_STYLE,
  TEXT_VALUE_LIMIT,
  describeSchema,
  renderCsv,
  renderHtml,
  renderJsonl,
  renderText,
  shorten,
} from '../../src/diff/render.js';

async function* from(records: RowChange[]): AsyncGenerator<RowChange> {
  yield* records;
}

async function all(strings: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const s of strings) out += s;
  return out;
}

async function pieces(strings: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const s of strings) out.push(s);
  return out;
}

const retyped: SchemaChange = { op: 'schema', change: 'retyped', before: { path: '/score', type: 'integer' }, after: { path: '/score', type: 'number' } };
const added: AddedRow = { op: 'added', key: 'C-0012', after: { id: 'C-0012', amount: '1200', status: 'pending' }, row: 12 };
const removed: RemovedRow = { op: 'removed', key: 'C-0007', before: { id: 'C-0007', amount: '50', status: '' }, row: 7 };
const modified: ModifiedRow = {
  op: 'modified',
  key: 'C-0040',
  before: { id: 'C-0040', amount: '1200', status: 'pending' },
  after: { id: 'C-0040', amount: '1250', status: 'approved' },
  changes: [
    { path: '/amount', before: '1200', after: '1250' },
    { path: '/status', before: 'pending', after: 'approved' },
  ],
  rows: [40, 41],
};
const moved: MovedRow = { op: 'moved', key: 'C-0003', before: { id: 'C-0003' }, after: { id: 'C-0003' }, rows: [3, 97] };
const sample: RowChange[] = [retyped, added, removed, modified, moved];
const labels = { a: 'v1.csv', b: 'v2.csv' };

const XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>", '</td></tr></table><b>x'];

describe('renderJsonl', () => {
  it('writes each record as one JSON line, leaving out undefined sides', async () => {
    const fieldAdded: ModifiedRow = { ...modified, changes: [{ path: '/reviewer', after: 'j.doe' }] };
    expect(await pieces(renderJsonl(from([retyped, added, fieldAdded])))).toEqual([
      '{"op":"schema","change":"retyped","before":{"path":"/score","type":"integer"},"after":{"path":"/score","type":"number"}}\n',
      '{"op":"added","key":"C-0012","after":{"id":"C-0012","amount":"1200","status":"pending"},"row":12}\n',
      '{"op":"modified","key":"C-0040","before":{"id":"C-0040","amount":"1200","status":"pending"},"after":{"id":"C-0040","amount":"1250","status":"approved"},"changes":[{"path":"/reviewer","after":"j.doe"}],"rows":[40,41]}\n',
    ]);
  });

  it('round-trips every record, newlines in values included', async () => {
    const tricky: ModifiedRow = { ...modified, key: ['EU', 7], changes: [{ path: '/a~1b', before: 'x\ny\u2028', after: null }] };
    const lines = (await all(renderJsonl(from([...sample, tricky])))).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual([...sample, tricky]);
  });
});

describe('renderText', () => {
  it('prints a header, then one line per record, with [-old-]{+new+} brackets', async () => {
    expect(await all(renderText(from(sample), { color: false, labels }))).toBe(
      [
        '--- a: v1.csv',
        '+++ b: v2.csv',
        'schema: column "score" retyped integer → number',
        '+ row 12 key=C-0012  {id: C-0012, amount: 1200, status: pending}',
        '- row 7 key=C-0007  {id: C-0007, amount: 50, status: ""}',
        '~ row 40→41 key=C-0040  amount: [-1200-]{+1250+}  status: [-pending-]{+approved+}',
        '> moved key=C-0003 row 3 → row 97',
        '',
      ].join('\n'),
    );
  });

  it('colours like git (red old, green new) and drops the brackets', async () => {
    const R = '\x1b[31m', G = '\x1b[32m', B = '\x1b[1m', Y = '\x1b[33m', C = '\x1b[36m', X = '\x1b[m';
    expect(await all(renderText(from(sample), { color: true, labels }))).toBe(
      [
        `${B}--- a: v1.csv${X}`,
        `${B}+++ b: v2.csv${X}`,
        `${Y}schema: column "score" retyped integer → number${X}`,
        `${G}+ row 12 key=C-0012  {id: C-0012, amount: 1200, status: pending}${X}`,
        `${R}- row 7 key=C-0007  {id: C-0007, amount: 50, status: ""}${X}`,
        `${C}~ row 40→41 key=C-0040${X}  amount: ${R}1200${X}${G}1250${X}  status: ${R}pending${X}${G}approved${X}`,
        `${C}> moved key=C-0003 row 3 → row 97${X}`,
        '',
      ].join('\n'),
    );
  });

  it('shows keys as JSON unless plain strings, and JSON leaves by pointer', async () => {
    const rows: RowChange[] = [
      { op: 'moved', key: null, before: {}, after: {}, rows: [1, 2] },
      { op: 'moved', key: 42, before: {}, after: {}, rows: [1, 2] },
      { op: 'moved', key: ['EU', 7], before: {}, after: {}, rows: [1, 2] },
      { op: 'moved', key: 'has space', before: {}, after: {}, rows: [1, 2] },
      {
        op: 'modified',
        key: 'k',
        before: {},
        after: {},
        rows: [5, 5],
        changes: [
          { path: '/meta/n', before: 1, after: { x: [1, 2] } },
          { path: '/reviewer', after: 'j.doe' },
          { path: '/old', before: null },
        ],
      },
      { op: 'added', key: 'j', after: ['a', 1], row: 3 },
    ];
    const lines = (await all(renderText(from(rows), { color: false, labels }))).split('\n').slice(2, -1);
    expect(lines).toEqual([
      '> moved row 1 → row 2',
      '> moved key=42 row 1 → row 2',
      '> moved key=["EU",7] row 1 → row 2',
      '> moved key="has space" row 1 → row 2',
      '~ row 5 key=k  /meta/n: [-1-]{+{"x":[1,2]}+}  reviewer: {+j.doe+}  old: [-null-]',
      '+ row 3 key=j  ["a",1]',
    ]);
  });

  it('keeps one change on one line: newlines, terminal escapes and bidi controls are escaped', async () => {
    const evil = 'a\nb\r\tc\x1b[2J\u202eevil\u2028';
    const rows: RowChange[] = [
      { op: 'added', key: `k\n${evil}`, after: { [`col\n`]: evil }, row: 1 },
      { op: 'modified', key: 'k', before: {}, after: {}, rows: [1, 1], changes: [{ path: '/x', before: evil, after: '' }] },
      { op: 'schema', change: 'added', before: null, after: { path: '/na\u001bme' } },
    ];
    const out = await all(renderText(from(rows), { color: false, labels: { a: 'a\nb', b: '\x1b]0;title\x07' } }));
    const lines = out.split('\n');
    expect(lines).toHaveLength(6);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e\u2028]/);
    expect(lines[0]).toBe('--- a: a\\nb');
    expect(lines[1]).toBe('+++ b: \\u001b]0;title\\u0007');
    expect(lines[2]).toBe('+ row 1 key="k\\na\\nb\\r\\tc\\u001b[2J\\u202eevil\\u2028"  {col\\n: a\\nb\\r\\tc\\u001b[2J\\u202eevil\\u2028}');
    expect(lines[3]).toBe('~ row 1 key=k  x: [-a\\nb\\r\\tc\\u001b[2J\\u202eevil\\u2028-]{+""+}');
    expect(lines[4]).toBe('schema: column "na\\u001bme" added');
  });

  it('shortens long values with … and long rows after a field', async () => {
    const long = 'x'.repeat(500);
    const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`column_${i}`, `value ${i}`]));
    const rows: RowChange[] = [
      { op: 'added', key: 'k', after: { note: long }, row: 1 },
      { op: 'added', key: 'k', after: wide, row: 2 },
    ];
    const [one, two] = (await all(renderText(from(rows), { color: false, labels }))).split('\n').slice(2);
    expect(one).toBe(`+ row 1 key=k  {note: ${'x'.repeat(TEXT_VALUE_LIMIT - 1)}…}`);
    expect(two).toMatch(/^\+ row 2 key=k  \{column_0: value 0, column_1: value 1, .*, column_\d+: value \d+, …\}$/);
    expect(two!.length).toBeLessThan(240);
  });

  it('cuts a long changed text around the words that differ', async () => {
    const text = (n: string) => `${'Applicant stated income in the 2023 return. '.repeat(4)}Income of ${n} verified.${' Employer letter on file.'.repeat(4)}`;
    const change: ModifiedRow = { ...modified, changes: [{ path: '/reason', before: text('38000'), after: text('83000') }] };
    const [line] = (await all(renderText(from([change]), { color: false, labels }))).split('\n').slice(2);
    expect(line).toBe('~ row 40→41 key=C-0040  reason: [-… return. Income of 38000 verified. Employer …-]{+… return. Income of 83000 verified. Employer …+}');
  });

  it('describes every kind of schema change', () => {
    const d = (c: Omit<SchemaChange, 'op'>) => describeSchema({ op: 'schema', ...c });
    expect(d({ change: 'added', before: null, after: { path: '/reviewer', type: 'string' } })).toBe('column "reviewer" added (string)');
    expect(d({ change: 'removed', before: { path: '/legacy' }, after: null })).toBe('column "legacy" removed');
    expect(d({ change: 'renamed', before: { path: '/reason_code' }, after: { path: '/reason' } })).toBe('column "reason_code" renamed → "reason"');
    expect(d({ change: 'retyped', before: { path: '/meta/score', type: 'integer' }, after: { path: '/meta/score' } })).toBe('field "/meta/score" retyped integer → ?');
    expect(d({ change: 'added', before: null, after: { path: '/a~1b~0c' } })).toBe('column "a/b~c" added');
  });

  it('shortens by code points, never splitting a surrogate pair', () => {
    expect(shorten('😀'.repeat(100), 10)).toBe(`${'😀'.repeat(9)}…`);
    expect(shorten('short', 10)).toBe('short');
    expect(shorten('0123456789', 10)).toBe('0123456789');
    expect(shorten('0123456789a', 10)).toBe('012345678…');
  });
});

describe('renderCsv', () => {
  it('writes the header and one line per row, per changed field, per schema change', async () => {
    expect(await all(renderCsv(from(sample)))).toBe(
      [
        'op,key,row_a,row_b,path,before,after',
        'schema,,,,/score,"{""path"":""/score"",""type"":""integer""}","{""path"":""/score"",""type"":""number""}"',
        'added,C-0012,,12,,,"{""id"":""C-0012"",""amount"":""1200"",""status"":""pending""}"',
        'removed,C-0007,7,,,"{""id"":""C-0007"",""amount"":""50"",""status"":""""}",',
        'modified,C-0040,40,41,/amount,1200,1250',
        'modified,C-0040,40,41,/status,pending,approved',
        'moved,C-0003,3,97,,"{""id"":""C-0003""}","{""id"":""C-0003""}"',
        '',
      ].join('\r\n'),
    );
  });

  it('quotes commas, quotes, CR and LF (RFC 4180) and leaves unicode as it is', async () => {
    const change: ModifiedRow = {
      ...modified,
      key: ['EU', 7],
      changes: [
        { path: '/a', before: 'a,b', after: 'say "hi"' },
        { path: '/b', before: 'line1\nline2', after: 'cr\ronly' },
        { path: '/c', before: 'Zoë 信用 😀', after: '' },
        { path: '/d', before: 12.5, after: null },
        { path: '/e', after: { x: 'y,z' } },
      ],
    };
    expect(await all(renderCsv(from([change])))).toBe(
      [
        'op,key,row_a,row_b,path,before,after',
        'modified,"[""EU"",7]",40,41,/a,"a,b","say ""hi"""',
        'modified,"[""EU"",7]",40,41,/b,"line1\nline2","cr\ronly"',
        'modified,"[""EU"",7]",40,41,/c,Zoë 信用 😀,',
        'modified,"[""EU"",7]",40,41,/d,12.5,null',
        'modified,"[""EU"",7]",40,41,/e,,"{""x"":""y,z""}"',
        '',
      ].join('\r\n'),
    );
  });

  it('reads back field for field with the project CSV parser', async () => {
    const values = ['', ' ', ',', '"', '""', 'a\r\nb', '\n', 'Zoë, "信用"\n😀', '=1+2'];
    const records: RowChange[] = values.map((v, i) => ({ ...modified, key: v, rows: [i + 1, i + 1], changes: [{ path: `/${v}`, before: v, after: `${v}!` }] }));
    const [header, ...lines] = await pieces(renderCsv(from(records)));
    expect(header).toBe('op,key,row_a,row_b,path,before,after\r\n');
    lines.forEach((line, i) => {
      const v = values[i]!;
      expect(parseCsvRow(utf8(line), { delimiter: 0x2c }, { line: 2, offset: 1 })).toEqual(['modified', v, String(i + 1), String(i + 1), `/${v}`, v, `${v}!`]);
    });
  });

  it('guards against spreadsheet formulas only when asked', async () => {
    const change: ModifiedRow = { ...modified, key: '@SUM(A1)', changes: [{ path: '/f', before: '=HYPERLINK("http://x")', after: '-5' }] };
    const plain = (await all(renderCsv(from([change])))).split('\r\n')[1];
    const guarded = (await all(renderCsv(from([change]), { formulaGuard: true }))).split('\r\n')[1];
    expect(plain).toBe('modified,@SUM(A1),40,41,/f,"=HYPERLINK(""http://x"")",-5');
    expect(guarded).toBe(`modified,'@SUM(A1),40,41,/f,"'=HYPERLINK(""http://x"")",'-5`);
  });
});

describe('renderHtml', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  const render = (records: RowChange[], opts: Partial<Parameters<typeof renderHtml>[1]> = {}) => all(renderHtml(from(records), { labels, now, ...opts }));
  const count = (html: string, op: string) => Number(new RegExp(`<span class="badge b-${op}">${op}</span> <b>(\\d+)</b>`).exec(html)?.[1]);
  const rowsShown = (html: string) => html.match(/<tr class="op-/g)?.length ?? 0;

  it('is one page with a header, the rows, and a summary written last', async () => {
    const html = await render(sample, { title: 'credit: v1 → v2' });
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.endsWith('</html>\n')).toBe(true);
    expect(html).toContain('<title>credit: v1 → v2</title>');
    expect(html).toContain('<dd>v1.csv</dd>');
    expect(html).toContain('<dd>v2.csv</dd>');
    expect(html).toContain('<dd>2024-05-01T12:00:00.000Z</dd>');
    expect(rowsShown(html)).toBe(5);
    expect(html).toContain('<del class="v">1200</del> <span class="arrow">→</span> <ins class="v">1250</ins>');
    expect(html).toContain('<span class="n">status</span><ins class="v">pending</ins>');
    expect(html).toContain('column &quot;score&quot; retyped integer → number');
    expect({ added: count(html, 'added'), removed: count(html, 'removed'), modified: count(html, 'modified'), moved: count(html, 'moved'), schema: count(html, 'schema') }).toEqual({
      added: 1,
      removed: 1,
      modified: 1,
      moved: 1,
      schema: 1,
    });
    expect(html).toContain('<p>5 changes in all.</p>');
    // Without JavaScript the summary stays after the rows, and the header links to it.
    expect(html.indexOf('id="summary"')).toBeGreaterThan(html.indexOf('</table>'));
    expect(html).toContain('<a href="#summary">Summary</a>');
    expect(html).toContain(`<script>${HTML_SCRIPT}</script>\n</body>`);
  });

  it('admits only its own style and script, by hash, and loads nothing from anywhere', async () => {
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    expect(HTML_CSP).toBe(`default-src 'none'; style-src ${hash(HTML_STYLE)}; script-src ${hash(HTML_SCRIPT)}; base-uri 'none'; form-action 'none'`);
    const html = await render(sample);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">`);
    expect(html).toContain(`<style>${HTML_STYLE}</style>`);
    expect(html).not.toMatch(/\b(src|srcset|action|formaction|xlink:href)=|@import|url\(|https?:/i);
    expect(html.match(/href="[^"]*"/g)).toEqual(['href="#summary"']);
  });

  it('escapes data everywhere: labels, title, keys, field names and values', async () => {
    const records: RowChange[] = XSS.flatMap((x, i): RowChange[] => [
      { op: 'added', key: x, after: { [x]: x, n: i }, row: i + 1 },
      { op: 'removed', key: [x], before: x, row: i + 1 },
      { op: 'modified', key: { k: x }, before: {}, after: {}, rows: [i, i], changes: [{ path: `/${x}`, before: x, after: `${x} ${x} ${x}` }] },
      { op: 'moved', key: x, before: {}, after: {}, rows: [i, i + 1] },
      { op: 'schema', change: 'renamed', before: { path: `/${x}` }, after: { path: '/ok', type: x } },
    ]);
    const html = await render(records, { title: XSS[0], labels: { a: XSS[1]!, b: XSS[2]! } });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/<img|<svg|<b>x/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&#39;&gt;&lt;svg onload=alert(1)&gt;');
    // Every tag in the page is one the renderer writes itself.
    const ours = new Set(['!DOCTYPE', 'html', 'head', 'meta', 'title', 'style', 'body', 'header', 'h1', 'h2', 'dl', 'dt', 'dd', 'p', 'a', 'main', 'table', 'colgroup', 'col', 'thead', 'tbody', 'tr', 'th', 'td', 'span', 'div', 'del', 'ins', 'ul', 'li', 'b', 'section', 'script']);
    const tags = [...html.matchAll(/<\/?([^\s>/]+)/g)].map((m) => m[1]!);
    expect(tags.filter((t) => !ours.has(t))).toEqual([]);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html.match(/<b>/g)).toHaveLength(5); // the five counts in the summary
  });

  it('shows control characters as markers, and a long changed text with the difference marked', async () => {
    const text = (n: string) => `Applicant stated income of ${n} in the 2023 tax return; verified against payslips.`;
    const change: ModifiedRow = { ...modified, changes: [{ path: '/reason', before: text('38000'), after: text('83000') }, { path: '/x', before: 'a\x1b\u202eb', after: 'a\nb' }] };
    const html = await render([change]);
    expect(html).toContain('<span class="line old">Applicant stated income of <del>38000</del> in the 2023 tax return; verified against payslips.</span>');
    expect(html).toContain('<span class="line new">Applicant stated income of <ins>83000</ins> in the 2023 tax return; verified against payslips.</span>');
    // Text with a line break is shown old above new too, control characters as markers.
    expect(html).toContain('<span class="line old">a<del><span class="ctl">\\u001b</span><span class="ctl">\\u202e</span></del>b</span>');
    expect(html).toContain('<span class="line new">a<ins><span class="ctl">↵</span>\n</ins>b</span>');
    expect(html).not.toMatch(/[\u001b\u202e]/);
  });

  it('stops writing rows at the limit but counts them all', async () => {
    const many: RowChange[] = Array.from({ length: 7 }, (_, i) => ({ ...added, key: `C-${i}`, row: i + 1 }));
    const html = await render([retyped, ...many], { limit: 3 });
    expect(rowsShown(html)).toBe(3);
    expect(html).toContain('<p class="more">5 more changes not shown; use --format jsonl for all</p>');
    expect(count(html, 'added')).toBe(7);
    expect(count(html, 'schema')).toBe(1);
    expect(html).toContain('8 changes in all; the first 3 are shown.');
    expect(html).toContain('<li>column &quot;score&quot; retyped integer → number</li>');
  });

  it('defaults to 10,000 rows', async () => {
    const records = Array.from({ length: 10_002 }, (_, i): RowChange => ({ op: 'moved', key: i, before: {}, after: {}, rows: [i + 1, i + 2] }));
    const html = await render(records);
    expect(rowsShown(html)).toBe(10_000);
    expect(html).toContain('2 more changes not shown; use --format jsonl for all');
    expect(count(html, 'moved')).toBe(10_002);
  });

  it('says so when there are no differences', async () => {
    const html = await render([]);
    expect(html).toContain('No differences.');
    expect(html).toContain('<p>0 changes in all.</p>');
    expect(count(html, 'added')).toBe(0);
  });

  it('rejects a bad limit or missing labels with INPUT_INVALID', async () => {
    for (const limit of [-1, 1.5, Number.NaN]) {
      const e = await render(sample, { limit }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).code).toBe('INPUT_INVALID');
    }
    const e = await all(renderText(from(sample), { color: false } as never)).catch((err: unknown) => err);
    expect((e as InputError).code).toBe('INPUT_INVALID');
  });
});

describe('laziness', () => {
  // A source of a million records that counts what it handed out and whether it was closed.
  function source() {
    const state = { pulled: 0, closed: false };
    async function* gen(): AsyncGenerator<RowChange> {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          state.pulled++;
          yield { ...modified, key: `C-${i}`, rows: [i + 1, i + 1] };
        }
      } finally {
        state.closed = true;
      }
    }
    return { state, records: gen() };
  }

  const renderers: [string, (c: AsyncIterable<RowChange>) => AsyncIterable<string>][] = [
    ['jsonl', renderJsonl],
    ['text', (c) => renderText(c, { color: false, labels })],
    ['csv', (c) => renderCsv(c)],
    ['html', (c) => renderHtml(c, { labels })],
  ];

  for (const [name, render] of renderers) {
    it(`${name}: yields the first row after reading one record, and closes the source when stopped`, async () => {
      const { state, records } = source();
      const started = performance.now();
      let rows = 0;
      for await (const s of render(records)) {
        if (s.includes('C-0')) rows++;
        if (rows === 1) break;
      }
      expect(state.pulled).toBe(1);
      expect(state.closed).toBe(true);
      expect(performance.now() - started).toBeLessThan(500);
    });
  }
});
