// A datasheet for one dataset version, in the sections of "Datasheets for Datasets" (Gebru et al.,
// 2021): Motivation, Composition, Collection Process, Preprocessing/Cleaning/Labeling, Uses,
// Distribution, Maintenance. What the signed version records (its shape, hashes, provenance,
// PII/PHI scan, earlier versions) comes from the record; what only people know comes from the
// answers; a required item that neither gives is MISSING.
import type { Answers } from './answers.js';
import { bytes, DocBuilder, num, statusText } from './build.js';
import { datasetLabel } from './common.js';
import { columnTable, committedText, findingRows, formatText, keyText, provenanceField, scanText, versionChain } from './dataset-blocks.js';
import type { CardRecord, Doc } from './types.js';

export function datasheet(r: CardRecord, answers: Answers): Doc {
  const ds = r.datasets.find((x) => x.role === 'subject');
  if (r.subject.type !== 'dataset-version' || !ds) throw new Error('cards: a datasheet is about a dataset version');
  const id = [ds.id];
  const label = datasetLabel(ds);
  const d = new DocBuilder(r, answers);

  const motivation = d.section('motivation', 'Motivation');
  motivation.answer('motivation');

  const comp = d.section('composition', 'Composition');
  comp.answer('composition');
  comp.field('Rows', num(ds.object.rows), id);
  comp.field('Size', `${bytes(ds.object.bytes)} (${num(ds.object.bytes)} bytes)`, id);
  comp.field('Format', formatText(ds), id);
  comp.field('Row key', keyText(ds), id);
  comp.field('File SHA-256', ds.object.sha256, id);
  columnTable(comp, ds, false);
  if (!ds.scan) {
    comp.text(`Not scanned: no PII/PHI scan of ${label} is recorded, so whether it holds identifiers is not known from the record (cognify scan ${label}).`, id);
  } else {
    const rows = findingRows(ds);
    comp.text(`${scanText(r, ds)}${rows.length ? '' : ' It found no identifiers of the kinds it detects (HIPAA Safe Harbor identifiers found in text, and names in name columns).'}`, [ds.scan.id]);
    if (rows.length) comp.table(['Identifier kind', 'Found', 'Columns', 'Status'], rows, '');
  }

  const coll = d.section('collection-process', 'Collection Process');
  provenanceField(coll, ds, 'source');
  provenanceField(coll, ds, 'collectionPeriod');
  provenanceField(coll, ds, 'rights');
  coll.answer('collectionProcess');

  const prep = d.section('preprocessing', 'Preprocessing, Cleaning and Labeling');
  provenanceField(prep, ds, 'transformations');
  provenanceField(prep, ds, 'exclusions');
  prep.text(`Version history: ${label} was ${committedText(r, ds)}.`, id);
  prep.list(versionChain(r, ds));

  const uses = d.section('uses', 'Uses');
  uses.answer('datasetUses');

  const dist = d.section('distribution', 'Distribution');
  dist.answer('distribution');

  const maint = d.section('maintenance', 'Maintenance');
  maint.answer('maintenance');
  provenanceField(maint, ds, 'contact');

  const approval = d.section('approval', 'Approval');
  approval.text(statusText(r), r.status.policy ? [r.status.policy.id] : []);

  return d.finish('datasheet', `Datasheet: ${label}`, null, []);
}
