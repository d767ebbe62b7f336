// A hand-made Doc for the renderers' tests: every block type and every chart kind, a withdrawn
// signature, required and optional missing fields, and hostile user text (`<b>&"'`, a URL, a
// closing </style>) in the places a user can put it: answers, dataset names, comments, reasons.
import type { Block, Chart, Cite, Doc, EvidenceRow, Section } from '../../src/cards/types.js';

/** A fake but well-formed object id; n makes the first 12 hex digits unique. */
export function fakeId(n: number): string {
  return `sha256:${(n.toString(16).padStart(4, '0') + 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855').slice(0, 64)}`;
}

export const HOSTILE = `<b>&"'</b> see https://example.com/x?a=1&b=2 </style><script>alert(1)</script>`;

export const ID = {
  run: fakeId(1),
  train: fakeId(2),
  evalData: fakeId(3),
  ckpt1: fakeId(4),
  ckpt2: fakeId(5),
  output: fakeId(6),
  lmEval: fakeId(7),
  biasEval: fakeId(8),
  approval1: fakeId(9),
  approval2: fakeId(10),
  withdrawal: fakeId(11),
  metrics: fakeId(12),
  scan: fakeId(13),
} as const;

const lineage: Chart = {
  kind: 'lineage',
  nodes: [
    { id: ID.train, label: `train: loans-2024 ${HOSTILE}@4`, group: 'dataset' },
    { id: ID.evalData, label: 'eval: loans-holdout@2', group: 'dataset' },
    { id: ID.run, label: 'run credit-lora@3', group: 'run' },
    { id: ID.ckpt1, label: 'checkpoint checkpoint-500', group: 'checkpoint' },
    { id: ID.ckpt2, label: 'checkpoint checkpoint-1000', group: 'checkpoint' },
    { id: ID.output, label: 'output final-model-with-a-rather-long-name-that-must-be-cut', group: 'checkpoint' },
    { id: ID.lmEval, label: 'lm-eval eval', group: 'eval' },
    { id: ID.biasEval, label: 'bias eval', group: 'eval' },
    { id: ID.approval1, label: 'approved-for-release: Dana Reviewer', group: 'approval' },
    { id: ID.approval2, label: 'validated: Sam Validator (withdrawn)', group: 'approval' },
  ],
  edges: [
    { from: ID.train, to: ID.run },
    { from: ID.evalData, to: ID.run },
    ...[ID.ckpt1, ID.ckpt2, ID.output, ID.lmEval, ID.biasEval, ID.approval1, ID.approval2].map((to) => ({ from: ID.run, to })),
  ],
};

// A curve with 120 points, one eval curve of 6, and a one-point series.
const train: [number, number][] = Array.from({ length: 120 }, (_, i) => [i * 10, 2.4 * Math.exp(-i / 35) + 0.35 + 0.04 * Math.sin(i)]);
const loss: Chart = {
  kind: 'loss',
  title: 'Loss by training step',
  series: [
    { name: 'loss', points: train },
    { name: 'eval_loss', points: [200, 400, 600, 800, 1000, 1190].map((s, i) => [s, 1.3 - i * 0.12] as [number, number]) },
    { name: 'eval_final_loss', points: [[1190, 0.61]] },
  ],
};

const thresholds: Chart = {
  kind: 'thresholds',
  title: 'Evaluation results against thresholds',
  rows: [
    { label: 'hellaswag acc_norm', value: 0.6123, threshold: 0.55, direction: 'higher', passed: true },
    { label: 'truthfulqa_mc2 acc', value: 0.412, threshold: 0.45, direction: 'higher', passed: false },
    { label: 'toxigen toxicity rate (lower is better)', value: 0.08, threshold: 0.1, direction: 'lower', passed: true },
    { label: 'perplexity on held-out loans', value: 0.93, threshold: 0.9, direction: 'lower', passed: false },
  ],
};

const bias: Chart = {
  kind: 'bias',
  title: 'Selection rate by sex',
  attribute: 'sex',
  groups: [
    { label: 'female', rate: 0.41, ratio: 0.7736, n: 812, flagged: true, smallSample: false },
    { label: 'male', rate: 0.53, ratio: 1, n: 944, flagged: false, smallSample: false },
    { label: `non-binary ${HOSTILE}`, rate: 0.5, ratio: 0.9434, n: 21, flagged: false, smallSample: true },
  ],
};

const diff: Chart = {
  kind: 'diff',
  title: 'Row changes against the previous version',
  rows: [
    { label: 'loans-2024@3 → @4', added: 1240, removed: 310, modified: 522, moved: 75 },
    { label: 'loans-holdout@1 → @2', added: 12, removed: 0, modified: 3, moved: 0 },
    { label: 'unchanged@1 → @2', added: 0, removed: 0, modified: 0, moved: 0 },
  ],
};

const sections: Section[] = [
  {
    id: 'overview',
    title: 'Model details',
    blocks: [
      { type: 'paragraph', text: `This card describes run credit-lora@3, a LoRA fine-tune. Answer text: ${HOSTILE}`, cite: [ID.run] },
      {
        type: 'fields',
        fields: [
          { label: 'Model name', value: 'credit-lora', cite: [ID.run], required: true },
          { label: 'Base model', value: 'meta-llama/Llama-3.1-8B (revision 0e9e39f)', cite: [ID.run], required: true },
          { label: 'Intended use', value: null, cite: [], required: true, hint: 'answer intendedUse in the --answers file: the tasks and users the model is meant for' },
          { label: 'Licence', value: null, cite: [], required: false },
          { label: 'Known limitations', value: `Line one.\nLine two with ${HOSTILE}`, cite: [], required: true },
          { label: 'Model digest', value: 'sha256:9f2c1e…', cite: [ID.output, ID.ckpt2], required: false },
        ],
      },
      { type: 'note', text: 'Superseded guidance: the 2023 template is replaced by the 2025 one.', cite: [ID.scan] },
    ],
  },
  {
    id: 'lineage',
    title: 'Lineage',
    blocks: [
      { type: 'chart', chart: lineage, cite: [ID.run, ID.train, ID.evalData] },
      { type: 'chart', chart: loss, cite: [ID.metrics] },
    ],
  },
  {
    id: 'training-data',
    title: `Training data ${HOSTILE}`,
    blocks: [
      {
        type: 'table',
        columns: ['Role', 'Dataset', 'Rows', 'File SHA-256'],
        rows: [
          { cells: ['train', `loans-2024@4 ${HOSTILE}`, '48,210', '3f7a9c0e5b1d2a4c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f'], cite: [ID.train] },
          { cells: ['eval', 'loans-holdout@2', '5,000', 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9'], cite: [ID.evalData, ID.scan] },
          { cells: ['note', 'a row without a source'], cite: [] },
        ],
        empty: 'No datasets recorded.',
      },
      { type: 'table', columns: ['Waiver', 'Reason'], rows: [], empty: 'No scan findings were waived.' },
      {
        type: 'list',
        items: [
          { text: 'PII scan: 0 findings in 48,210 rows.', cite: [ID.scan] },
          { text: `Schema change: column ${HOSTILE} added`, cite: [] },
        ],
      },
      { type: 'chart', chart: diff, cite: [ID.train, ID.evalData] },
    ],
  },
  {
    id: 'evaluation',
    title: 'Evaluation',
    blocks: [
      { type: 'chart', chart: thresholds, cite: [ID.lmEval] },
      { type: 'missing', item: 'Ongoing monitoring plan', hint: `answer monitoringPlan in the --answers file ${HOSTILE}` },
    ],
  },
  {
    id: 'bias',
    title: 'Bias and fairness',
    blocks: [
      { type: 'chart', chart: bias, cite: [ID.biasEval] },
      { type: 'note', text: 'Four-fifths finding: the selection rate of female is 77.4% of that of male (below 80%).', cite: [ID.biasEval] },
    ],
  },
];

function citesOf(b: Block): Cite {
  if (b.type === 'fields') return b.fields.flatMap((f) => f.cite);
  if (b.type === 'table') return b.rows.flatMap((r) => r.cite);
  if (b.type === 'list') return b.items.flatMap((i) => i.cite);
  return b.type === 'missing' ? [] : b.cite;
}

/** Every id the fixture cites, in order of first citation (as build.ts's finish derives it). */
export function citedIds(doc: Doc): string[] {
  const all = [doc.subject, ...doc.sections.flatMap((s) => s.blocks.flatMap(citesOf)), ...doc.signatures.flatMap((s) => [s.approval, ...(s.withdrawn ? [s.withdrawn.id] : [])])];
  return [...new Set(all)];
}

const TYPES: Record<string, string> = { [ID.run]: 'run', [ID.train]: 'dataset-version', [ID.evalData]: 'dataset-version', [ID.metrics]: 'metric-segment' };

export function sampleDoc(): Doc {
  const doc: Doc = {
    kind: 'model-card',
    title: `Model card: credit-lora ${HOSTILE}`,
    subject: ID.run,
    subjectType: 'run',
    subjectLabel: `credit-lora@3 ${HOSTILE}`,
    repo: { id: fakeId(99), name: `acme-credit ${HOSTILE}` },
    frontMatter: { license: 'apache-2.0', base_model: 'meta-llama/Llama-3.1-8B', tags: ['lora', 'credit', HOSTILE], datasets: ['loans-2024'] },
    sections,
    missing: [
      { section: 'Model details', item: 'Intended use' },
      { section: 'Evaluation', item: 'Ongoing monitoring plan' },
    ],
    evidence: [],
    signatures: [
      {
        approval: ID.approval1,
        name: 'Dana Reviewer',
        email: 'dana@acme.example',
        role: 'model-risk',
        meaning: 'approved-for-release',
        time: '2025-03-04T10:15:00Z',
        comment: `Reviewed the card. ${HOSTILE}`,
        subject: ID.run,
        withdrawn: null,
      },
      {
        approval: ID.approval2,
        name: 'Sam Validator',
        email: 'sam@acme.example',
        role: 'validation',
        meaning: 'validated',
        time: '2025-03-03T16:40:00Z',
        comment: 'Validation complete.',
        subject: ID.train,
        withdrawn: { id: ID.withdrawal, time: '2025-03-05T09:00:00Z', reason: `Wrong dataset version ${HOSTILE}` },
      },
    ],
    verification: { ok: true, objects: 128, signatures: 57, logEntries: 64, problem: null, logSize: 64, root: 'sha256:5d41402abc4b2a76b9719d911017c592ae2f4c1b8e3d9a0f7c6b5a4938271605' },
    answers: { modelName: 'credit-lora', limitations: `Line one.\nLine two with ${HOSTILE}` },
  };
  doc.evidence = citedIds(doc).map(
    (id, i): EvidenceRow => ({
      id,
      type: TYPES[id] ?? 'approval',
      hash: i % 3 === 0 ? id : fakeId(200 + i),
      signer: id === ID.metrics ? null : i % 2 ? `Dana Reviewer <dana@acme.example> ${HOSTILE}` : 'Riley Engineer <riley@acme.example>',
      time: id === ID.metrics ? null : `2025-03-0${1 + (i % 5)}T08:00:00Z`,
    }),
  );
  return doc;
}
