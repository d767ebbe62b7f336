// The public summary of the content used to train a general-purpose AI model, EU AI Act
// (Regulation (EU) 2024/1689) Article 53(1)(d), in the shape of the European Commission's template
// (July 2025): 1. general information, 2. data sources by category (each dataset placed by the
// answers' sourceCategories), 3. data processing. For a fine-tune it covers the data of the
// modification and refers to the base model's own summary.
import { answerText, ANSWER_KEYS, SOURCE_CATEGORIES, type Answers } from './answers.js';
import { baseModelText, bytes, DocBuilder, num, runLabel } from './build.js';
import { datasetLabel, provenanceText, scanRows } from './common.js';
import type { CardRecord, DatasetEntry, Doc } from './types.js';

type Category = (typeof SOURCE_CATEGORIES)[number];

const CATEGORY_TITLES: Record<Category, [string, string]> = {
  'publicly-available': ['public-datasets', '2.1 Publicly available datasets'],
  'private-licensed': ['private-datasets', '2.2 Private non-publicly available datasets obtained from third parties'],
  'web-crawled': ['crawled-data', '2.3 Data crawled and scraped from online sources'],
  'user-data': ['user-data', '2.4 User data'],
  synthetic: ['synthetic-data', '2.5 Synthetic data'],
  other: ['other-sources', '2.6 Other sources of data'],
};

/**
 * Datasets grouped so that versions whose answers to `describe` are the same text are told once:
 * "credit-decisions@2 (train), credit-decisions@1 (eval): ...".
 */
function grouped(list: DatasetEntry[], describe: (d: DatasetEntry) => string): { text: string; cite: string[] }[] {
  const out = new Map<string, { labels: string[]; cite: string[] }>();
  for (const d of list) {
    const key = describe(d);
    const g = out.get(key) ?? { labels: [], cite: [] };
    g.labels.push(`${datasetLabel(d)} (${d.role})`);
    g.cite.push(d.id);
    out.set(key, g);
  }
  return [...out.entries()].map(([text, g]) => ({ text: `${g.labels.join(', ')}: ${text}`, cite: g.cite }));
}

function sourceText(d: DatasetEntry): string {
  const p = d.object.provenance;
  const period = provenanceText(p, 'collectionPeriod');
  const rights = provenanceText(p, 'rights');
  return `${p.source ?? 'source not recorded'}; collected ${period ?? '(collection period not recorded)'}; ${rights ?? 'licence, consent or legal basis not recorded'}.`;
}

export function trainingSummary(r: CardRecord, answers: Answers): Doc {
  if (!r.run) throw new Error('cards: the training content summary is about a run');
  const run = r.run.object;
  const runId = [r.run.id];
  const d = new DocBuilder(r, answers);
  const name = answerText(answers, 'modelName') ?? run.name;

  const provider = d.section('provider-identification', '1.1 Provider identification');
  provider.text('Public summary of the content used for training, under Article 53(1)(d) of Regulation (EU) 2024/1689 (AI Act), following the template published by the European Commission (July 2025).');
  provider.answer('provider', { label: 'Provider name' });
  provider.answer('contact', { label: 'Contact details' });

  const model = d.section('model-identification', '1.2 Model identification');
  model.field('Versioned model name', `${name} (run ${runLabel(r)})`, runId);
  model.answer('releaseDate', { label: 'Date of placement on the Union market (release date)' });
  model.field('Model dependencies: base model modified by this fine-tuning', baseModelText(r), runId, { required: true, hint: 'record the base model: cognify run record ... --base-model <name>@<revision>' });
  if (run.baseModel) {
    model.text(`This model is a modification (fine-tuning) of ${run.baseModel.name}. This summary covers the data used for the modification only; the content used to train the base model is described in the summary published by that model's provider.`, runId);
  }

  const size = d.section('modalities-size', '1.3 Modalities, overall training data size and other characteristics');
  size.table(
    ['Dataset version', 'Role', 'Format', 'Columns', 'Rows', 'Size'],
    r.datasets.map((ds) => {
      const sc = ds.object.schema;
      const cols = 'columns' in sc ? sc.columns.map((c) => c.name).join(', ') : `${sc.paths.length} JSON paths`;
      return { cells: [datasetLabel(ds), ds.role, ds.object.format, cols, num(ds.object.rows), bytes(ds.object.bytes)], cite: [ds.id] };
    }),
    'No dataset versions are recorded for this run.',
  );
  if (!r.datasets.length) size.missing('Training data', 'Record the dataset versions the run used: cognify run record ... --dataset train=<name>@<N>');
  const formats = [...new Set(r.datasets.map((ds) => ds.object.format))];
  if (formats.length) size.field('Modality of the training data', `${formats.map((f) => (f === 'jsonl' ? 'JSON records (jsonl)' : `tabular records (${f})`)).join(', ')}`, r.datasets.map((ds) => ds.id));
  const train = r.datasets.filter((ds) => ds.role === 'train');
  const sum = (l: DatasetEntry[]) => `${num(l.reduce((n, ds) => n + ds.object.rows, 0))} rows, ${bytes(l.reduce((n, ds) => n + ds.object.bytes, 0))}`;
  if (train.length) size.field('Overall size of the training data (role train)', sum(train), train.map((ds) => ds.id));
  if (r.datasets.length > train.length) size.field('Overall size of all the data the run used (training and evaluation)', sum(r.datasets), r.datasets.map((ds) => ds.id));
  const periods = r.datasets.map((ds) => ds.object.provenance.collectionPeriod).filter((p) => p !== null);
  if (periods.length) {
    const from = periods.map((p) => p.from).sort()[0]!;
    const to = periods.map((p) => p.to).sort().reverse()[0]!;
    size.field('Period of data collection', `${from} to ${to}${periods.length < r.datasets.length ? ' (for the versions that record it)' : ''}`, r.datasets.filter((ds) => ds.object.provenance.collectionPeriod).map((ds) => ds.id));
  }

  const sources = d.section('data-sources', '2. List of data sources');
  sources.text('Each dataset the run used is placed in one category of the template by the answers (sourceCategories); each source is described from the provenance its committer recorded in the signed dataset version.');
  const cats = answers.sourceCategories;
  const placed: Record<string, string> = cats && typeof cats === 'object' ? cats : {};
  const names = [...new Set(r.datasets.map((ds) => ds.object.name))];
  for (const n of names) {
    if (!placed[n]) sources.missing(`Data source category of ${n}`, `Answer sourceCategories in the --answers file: ${ANSWER_KEYS.sourceCategories.help}`);
  }
  for (const cat of SOURCE_CATEGORIES) {
    const [id, title] = CATEGORY_TITLES[cat];
    const s = d.section(id, title);
    const inCat = r.datasets.filter((ds) => placed[ds.object.name] === cat);
    if (!inCat.length) {
      s.text('None.');
      continue;
    }
    s.list(grouped(inCat, sourceText));
    for (const ds of inCat.filter((x) => x.object.provenance.source === null)) {
      s.missing(`Source of ${datasetLabel(ds)}`, `Answer "source" when committing the next version (cognify dataset commit ${ds.object.name} <file> --provenance <yaml>); a committed version never changes`);
    }
  }

  const rights = d.section('rights-reservation', '3.1 Respect of reservations of rights from the text and data mining exception or limitation');
  rights.answer('rightsReservation', { label: 'Measures to respect reservations of rights' });

  const illegal = d.section('illegal-content', '3.2 Removal of illegal content');
  illegal.answer('contentRemoval', { label: 'Measures to remove illegal content' });

  const other = d.section('other-processing', '3.3 Other information');
  other.text('What was excluded from each dataset version, and why:');
  other.list(grouped(r.datasets, (ds) => `${provenanceText(ds.object.provenance, 'exclusions') ?? 'not recorded'}.`));
  other.text('Transformations applied to each dataset version:');
  other.list(grouped(r.datasets, (ds) => `${provenanceText(ds.object.provenance, 'transformations') ?? 'not recorded'}.`));
  other.text('Personal data (PII/PHI) scan of each dataset version:');
  other.table(['Dataset version', 'PII/PHI scan', 'Findings', 'Detector'], scanRows(r), 'No datasets.');
  return d.finish('training-summary', `Public summary of training content (AI Act Article 53(1)(d)): ${name}`);
}
