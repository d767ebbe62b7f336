// Documents over the fixture repository (test/cards/_record.ts), through the public API: golden
// files for every kind, the model card's Hugging Face metadata, evidence that resolves, MISSING
// items exactly where answers were removed, committed documents that rebuild byte for byte and
// can be approved, and answers files refused with the line at fault.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Repo } from '../../src/api/repo.js';
import { sample } from '../../src/api/cards.js';
import { ANSWER_KEYS, parseAnswers, type Answers } from '../../src/cards/answers.js';
import { buildCard, CARD_KINDS, type CardKind } from '../../src/cards/kinds.js';
import { renderMarkdown } from '../../src/cards/render-md.js';
import type { CardRecord } from '../../src/cards/types.js';
import { snapshot, tempDir } from '../_fixtures.js';
import { ada, alan, answers, buildRecord, grace } from './_record.js';

/** The subject each kind's golden file is about. */
const SUBJECTS: Record<CardKind, string> = {
  'model-card': 'credit-lora',
  'annex-xi': 'credit-lora',
  'annex-xii': 'credit-lora',
  'training-summary': 'credit-lora',
  'sr11-7': 'credit-lora',
  datasheet: 'credit-decisions@2',
  provenance: 'credit-lora',
  hipaa: 'clinical-notes',
  bias: 'credit-lora',
};
const GOLDEN = 'test/cards/golden';

/**
 * A document with its object ids numbered by first appearance, and the Merkle root named. The
 * fixture's keys, clock and nonce are fixed, but a Trainer run records the absolute path it was
 * read from, so ids differ between checkouts; everything else must match byte for byte. (That
 * the same record gives the same bytes is tested below, on committed documents.)
 */
function stable(md: string): string {
  const ids = [...new Set(md.match(/sha256:[0-9a-f]{64}/g) ?? [])];
  let out = md.replace(/(Merkle root `?)[0-9a-f]{64}/g, '$1<root>');
  ids.forEach((id, n) => {
    const hex = id.slice(7);
    out = out.replaceAll(hex, `<id ${n}>`).replace(new RegExp(`\\b${hex.slice(0, 12)}\\b`, 'g'), `<id ${n}>`);
  });
  return out;
}
const UPDATE = process.env.UPDATE_GOLDEN === '1';

let t: { dir: string; cleanup: () => Promise<void> };
let repo: Repo;
const records = new Map<string, CardRecord>();
const full = answers();

async function record(subject: string): Promise<CardRecord> {
  if (!records.has(subject)) records.set(subject, await repo.cards.gather(subject));
  return records.get(subject)!;
}

beforeAll(async () => {
  t = await tempDir('cognify-cards-');
  repo = await buildRecord(join(t.dir, 'record'), join(t.dir, 'code'));
}, 120_000);
afterAll(async () => {
  await repo?.close();
  await t?.cleanup();
});

describe('every kind over the fixture repository', () => {
  for (const kind of CARD_KINDS) {
    it(`${kind} matches its golden file, and every evidence id resolves`, async () => {
      const doc = buildCard(kind, await record(SUBJECTS[kind]), answers(SUBJECTS[kind]));
      const md = renderMarkdown(doc);
      const file = join(GOLDEN, `${kind}.md`);
      if (UPDATE) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, md);
      }
      expect(stable(md), `${file} is out of date: run UPDATE_GOLDEN=1 npx vitest run test/cards/cards.test.ts and review the diff`).toBe(stable(readFileSync(file, 'utf8')));
      expect(doc.missing, 'the complete answers file leaves nothing MISSING').toEqual([]);
      expect(doc.evidence.length).toBeGreaterThan(0);
      expect(doc.evidence[0]!.id).toBe(doc.subject);
      for (const e of doc.evidence) {
        const o = await repo.getObject(e.id);
        expect(o.value.type, e.id).toBe(e.type);
      }
      expect(doc.verification).toMatchObject({ ok: true, problem: null });
      // Every statement's citations are evidence rows.
      const ids = new Set(doc.evidence.map((e) => e.id));
      const cites: string[] = [];
      for (const s of doc.sections) {
        for (const b of s.blocks) {
          if (b.type === 'fields') b.fields.forEach((f) => cites.push(...f.cite));
          else if (b.type === 'table') b.rows.forEach((r) => cites.push(...r.cite));
          else if (b.type === 'list') b.items.forEach((i) => cites.push(...i.cite));
          else if (b.type !== 'missing') cites.push(...b.cite);
        }
      }
      expect(cites.length).toBeGreaterThan(0);
      for (const id of cites) expect(ids.has(id), id).toBe(true);
    });
  }

  it('renders the same bytes twice, and JSON with the contract fields', async () => {
    for (const kind of CARD_KINDS) {
      const r = await record(SUBJECTS[kind]);
      expect(renderMarkdown(buildCard(kind, r, answers(SUBJECTS[kind])))).toBe(renderMarkdown(buildCard(kind, r, answers(SUBJECTS[kind]))));
    }
    const j = JSON.parse(repo.cards.render(buildCard('model-card', await record('credit-lora'), full), 'json')) as Record<string, unknown>;
    expect(j).toMatchObject({ kind: 'model-card', subject: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), sections: expect.any(Array), missing: [] });
    expect((j.evidence as { id: string; type: string }[])[0]).toMatchObject({ id: j.subject, type: 'run' });
  });

  it('refuses a kind about the wrong kind of subject', async () => {
    expect(() => buildCard('datasheet', records.get('credit-lora')!, full)).toThrow(/a datasheet document is about a dataset version, and run credit-lora@3 is not/);
    expect(() => buildCard('model-card', records.get('credit-decisions@2')!, full)).toThrow(/about a run/);
  });
});

describe('the model card', () => {
  it('has Hugging Face metadata: base_model, datasets, license and a model-index of the eval results', async () => {
    const md = renderMarkdown(buildCard('model-card', await record('credit-lora'), full));
    const m = /^---\n([\s\S]*?)\n---\n/.exec(md);
    expect(m).not.toBeNull();
    const fm = parse(m![1]!) as Record<string, any>;
    expect(fm).toMatchObject({ base_model: 'HuggingFaceTB/SmolLM2-135M', datasets: ['credit-decisions'], license: 'other', library_name: 'peft' });
    expect(fm['model-index']).toHaveLength(1);
    const index = fm['model-index'][0];
    expect(index.name).toBe(full.modelName);
    expect(index.results.length).toBeGreaterThan(0);
    for (const r of index.results) {
      expect(Object.keys(r).sort()).toEqual(['dataset', 'metrics', 'task']);
      expect(typeof r.task.type).toBe('string');
      expect(typeof r.dataset.name).toBe('string');
      expect(typeof r.dataset.type).toBe('string');
      for (const metric of r.metrics) {
        expect(typeof metric.type).toBe('string');
        expect(typeof metric.value).toBe('number');
      }
    }
    const hellaswag = index.results.find((r: any) => r.dataset.name === 'hellaswag');
    expect(hellaswag.metrics.find((x: any) => x.type === 'acc_norm').value).toBeCloseTo(0.4357, 4);
    for (const section of ['Model Details', 'Uses', 'Bias, Risks, and Limitations', 'Training Details', 'Evaluation', 'Environmental Impact', 'Data Provenance Attestation', 'Regulatory Cross-References']) {
      expect(md).toContain(`\n## ${section}\n`);
    }
  });

  it('shows every approval as 21 CFR 11.50 asks: printed name, date and time, meaning', async () => {
    const doc = buildCard('model-card', await record('credit-lora'), full);
    expect(doc.signatures.map((s) => [s.name, s.meaning, s.role])).toEqual([
      ['Ada', 'authored', 'ml-engineer'],
      ['Alan', 'approved', 'model-risk'],
      ['Grace', 'approved', 'compliance'],
    ]);
    const md = renderMarkdown(doc);
    for (const s of doc.signatures) expect(md).toContain(`| ${s.name} | ${s.email} | ${s.role} | ${s.meaning} | ${s.time} |`);
  });
});

describe('MISSING items and --check', () => {
  /** Answers with some keys taken out. */
  const without = (...keys: string[]): Answers => Object.fromEntries(Object.entries(full).filter(([k]) => !keys.includes(k)));
  const less = (a: Answers, ...keys: string[]): Answers => Object.fromEntries(Object.entries(a).filter(([k]) => !keys.includes(k)));

  it('lists exactly the items removed from a complete answers file', async () => {
    const r = await record('credit-lora');
    expect(buildCard('model-card', r, without('intendedUse', 'limitations')).missing).toEqual([
      { section: 'Uses', item: 'Direct and downstream use' },
      { section: 'Bias, Risks, and Limitations', item: 'Known limitations' },
    ]);
    // For every kind and every answer key: removing it leaves at most one MISSING item, labelled as the answer.
    for (const kind of CARD_KINDS) {
      const rec = await record(SUBJECTS[kind]);
      const complete = answers(SUBJECTS[kind]);
      const used = Object.keys(complete).filter((k) => buildCard(kind, rec, less(complete, k)).missing.length > 0);
      expect(used.length, `${kind} uses some answers`).toBeGreaterThan(kind === 'provenance' ? -1 : 0);
      for (const key of used) {
        const missing = buildCard(kind, rec, less(complete, key)).missing;
        expect(missing, `${kind} without ${key}`).toHaveLength(1);
      }
      expect(buildCard(kind, rec, less(complete, ...used)).missing, kind).toHaveLength(used.length);
    }
  });

  it('marks MISSING what the record lacks, never inventing it', async () => {
    const doc = buildCard('datasheet', await record('clinical-notes'), full);
    const items = doc.missing.map((m) => m.item);
    for (const q of ['Collection period', 'Transformations applied', 'What was excluded, and why']) expect(items.some((i) => i.includes(q)), q).toBe(true);
    expect(renderMarkdown(doc)).toMatch(/\*\*MISSING\*\*/);
  });

  it('with no answers, every missing item names an answer or the record', async () => {
    const doc = buildCard('model-card', await record('credit-lora'), {});
    const labels = new Set(Object.values(ANSWER_KEYS).map((a) => a.label as string));
    expect(doc.missing.length).toBeGreaterThan(3);
    for (const m of doc.missing) expect(labels.has(m.item) || ['Developed by', 'Licence', 'Direct and downstream use'].includes(m.item), m.item).toBe(true);
  });
});

describe('committed documents', () => {
  it('stores a document that rebuilds byte for byte, can be approved, and verifies', async () => {
    const c = await repo.cards.commit({ kind: 'model-card', subject: 'credit-lora', answers: full, signer: alan.signer });
    expect(c).toMatchObject({ unchanged: false, missing: [] });
    const stored = await repo.cards.stored(c.document);
    expect(stored.content).toBe(renderMarkdown(await repo.cards.build('model-card', 'credit-lora', full)));
    expect(stored.answers).toEqual(full);
    expect(await repo.cards.check(c.document)).toMatchObject({ identical: true });
    // The same document again writes nothing.
    const size = await repo.logSize();
    expect(await repo.cards.commit({ kind: 'model-card', subject: 'credit-lora', answers: full, signer: alan.signer })).toMatchObject({ unchanged: true, document: c.document });
    expect(await repo.logSize()).toBe(size);
    // A document is a subject like any other: Grace approves the exact document.
    const a = await repo.approvals.sign({ subject: c.document, meaning: 'approved', comment: 'model card reviewed', signer: grace.signer });
    expect(a.subject).toBe(c.document);
    expect((await repo.approvals.list(c.document)).map((x) => x.type)).toEqual(['approval']);
    // An unrelated action (a new dataset) leaves the document identical; evidence about the run changes it.
    await repo.datasets.commit({ name: 'unrelated', input: 'fixtures/datasets/support-chat.v1.jsonl', signer: ada.signer });
    expect(await repo.cards.check(c.document)).toMatchObject({ identical: true });
    expect(await repo.verify()).toMatchObject({ ok: true });
  });

  it('counts for a policy document gate', async () => {
    const bank = readFileSync('fixtures/policies/bank.yaml', 'utf8');
    const gated = bank.replace('      provenance: [source, rights, contact]\n', '      provenance: [source, rights, contact]\n      documents: [model-card, sr11-7]\n');
    expect(gated).not.toBe(bank);
    const file = join(t.dir, 'gated.yaml');
    writeFileSync(file, gated);
    await repo.policy.set({ file, signer: ada.signer });
    const s = await repo.policy.evaluate('credit-lora');
    expect(s.met.map((m) => m.requirement)).toContain('gate: model-card document');
    expect(s.missing.map((m) => m.requirement)).toEqual(['gate: sr11-7 document']);
    await repo.cards.commit({ kind: 'sr11-7', subject: 'credit-lora', answers: full, signer: grace.signer });
    expect(await repo.policy.evaluate('credit-lora')).toMatchObject({ state: 'approved', missing: [] });
  });

  it('refuses a document that is not one, and an unknown subject, writing nothing', async () => {
    const before = await snapshot(repo);
    const run = (await record('credit-lora')).subject.id;
    await expect(repo.cards.stored(run)).rejects.toThrow(/is a run, not a document/);
    await expect(repo.cards.commit({ kind: 'model-card', subject: 'no-such-run', answers: full, signer: alan.signer })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(repo.cards.commit({ kind: 'datasheet', subject: 'credit-lora', answers: full, signer: alan.signer })).rejects.toThrow(/about a dataset version/);
    expect(await snapshot(repo)).toBe(before);
  });
});

describe('a sparse record', () => {
  it('every run kind of an MLflow-imported run (no datasets, evals or approvals) says what is MISSING, and cites only real objects', async () => {
    const imported = await repo.runs.importMlflow({ dir: 'fixtures/runs/mlruns', signer: ada.signer });
    const name = imported.runs[0]!.name;
    const r = await repo.cards.gather(name);
    expect(r.datasets).toEqual([]);
    for (const kind of CARD_KINDS.filter((k) => !['datasheet'].includes(k))) {
      const doc = buildCard(kind, r, {});
      expect(doc.missing.length, kind).toBeGreaterThan(0);
      for (const e of doc.evidence) expect((await repo.getObject(e.id)).value.type, `${kind} ${e.id}`).toBe(e.type);
      const md = renderMarkdown(doc);
      expect(md, kind).toContain('**MISSING**');
      expect(repo.cards.render(doc, 'html'), kind).not.toMatch(/NaN|undefined/);
    }
    const items = buildCard('model-card', r, full).missing.map((m) => m.item);
    expect(items).toEqual(expect.arrayContaining(['Bias evaluation against protected classes', 'Evaluation results', 'Training data']));
    expect(buildCard('hipaa', r, {}).missing.map((m) => m.item)).toEqual(expect.arrayContaining(['Privacy officer approval']));
  });
});

describe('metric history', () => {
  it('keeps every k-th point (k a power of two) when there are more than the bound, in order', async () => {
    async function* count(n: number) {
      for (let i = 0; i < n; i++) yield i;
    }
    expect(await sample(count(10), 20)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const kept = await sample(count(100_000), 20_000);
    expect(kept.length).toBeLessThanOrEqual(20_000);
    expect(kept.length).toBeGreaterThan(10_000);
    const stride = kept[1]! - kept[0]!;
    expect([4, 8]).toContain(stride);
    kept.forEach((x, i) => expect(x).toBe(i * stride));
  });
});

describe('answers files', () => {
  it('parses the shipped files', () => {
    expect(Object.keys(full).length).toBeGreaterThan(15);
    expect(answers('clinical-notes')).toMatchObject({ deidentificationMethod: expect.stringMatching(/^expert-determination/) });
  });

  it.each([
    ['intendedUse: ok\nintendedUze: typo\n', /a\.yaml:2:1: intendedUze: unknown answer "intendedUze"/],
    ['releaseDate: 2026-02-30\n', /a\.yaml:1:\d+: releaseDate: expected a date YYYY-MM-DD/],
    ['systemicRisk: maybe\n', /a\.yaml:1:\d+: systemicRisk: expected true or false/],
    ['sourceCategories:\n  credit: scraped\n', /a\.yaml:2:\d+: sourceCategories\.credit: unknown category "scraped"/],
    ['intendedUse: [a, b]\n', /a\.yaml:1:\d+: intendedUse: expected text/],
    ['- just\n- a list\n', /a\.yaml:1:1: expected a mapping of answers/],
    ['intendedUse: "unterminated\n', /a\.yaml:\d+:\d+: YAML syntax error/],
    ['intendedUse: a\nintendedUse: b\n', /a\.yaml:2:1: YAML syntax error: Map keys must be unique/],
  ])('refuses %j with the line at fault', (text, re) => {
    expect(() => parseAnswers(text, 'a.yaml')).toThrow(re);
  });

  it('takes an empty file and blank answers as unanswered', () => {
    expect(parseAnswers('', 'a.yaml')).toEqual({});
    expect(parseAnswers('intendedUse:\nlimitations: "  x  "\n', 'a.yaml')).toEqual({ limitations: 'x' });
  });
});
