// The data provenance document: for a run (each dataset version it used) or one dataset version,
// the six provenance questions as the committer answered them in the signed version, who
// committed it and when, what it was derived from, the chain of earlier versions and the PII/PHI
// scan state. Everything comes from the record: an unanswered question is MISSING, and answers
// given with --answers are not used (a committed version's provenance cannot be amended).
import type { Answers } from './answers.js';
import { DocBuilder, personText, runLabel, shortId } from './build.js';
import { datasetLabel, PROVENANCE_LABELS, provenanceFields, scanRows } from './common.js';
import { answeredCount, slug, uniqueDatasets, versionChain } from './dataset-blocks.js';
import { PROVENANCE_QUESTIONS } from '../diff/dataset-types.js';
import type { CardRecord, DatasetEntry, Doc } from './types.js';

/** What each transformation says it was derived from, naming the versions the record holds. */
function lineage(r: CardRecord, ds: DatasetEntry): { text: string; cite: string[] }[] {
  const name = (id: string) => {
    const e = r.datasets.find((x) => x.id === id);
    if (e) return `${datasetLabel(e)} (${shortId(id)})`;
    if (ds.parent?.id === id) return `${ds.object.name}@${ds.parent.number} (${shortId(id)})`;
    return `${id}${r.objects[id] ? '' : ' (not in this record)'}`;
  };
  return (ds.object.provenance.transformations ?? [])
    .filter((t) => t.derivedFrom?.length)
    .map((t) => ({ text: `"${t.description}" was derived from ${t.derivedFrom!.map(name).join(', ')}.`, cite: [ds.id, ...t.derivedFrom!.filter((id) => r.objects[id])] }));
}

export function provenanceDoc(r: CardRecord, answers: Answers): Doc {
  const d = new DocBuilder(r, answers);
  const list = uniqueDatasets(r);

  const sum = d.section('summary', 'Summary');
  if (r.run) sum.text(`Run ${runLabel(r)} records ${list.length} dataset version${list.length === 1 ? '' : 's'} it used.`, [r.run.id]);
  sum.text(
    'For each dataset version: the six provenance questions as its committer answered them in the signed version, what it was derived from, its earlier versions and its PII/PHI scan. An unanswered question is shown as MISSING, never filled in; a committed version never changes, so it is answered by committing a new version.',
  );
  sum.table(
    ['Dataset version', ...(r.run ? ['Role'] : []), 'Committed by', 'Committed at', 'Provenance'],
    list.map((ds) => {
      const n = answeredCount(ds);
      const open = PROVENANCE_QUESTIONS.filter((q) => ds.object.provenance[q] === null).map((q) => PROVENANCE_LABELS[q].toLowerCase());
      const answered = `${n} of ${PROVENANCE_QUESTIONS.length} answered${open.length ? ` (unanswered: ${open.join('; ')})` : ''}`;
      return { cells: [datasetLabel(ds), ...(r.run ? [ds.roles] : []), personText(r, ds.object.signer), ds.object.time, answered], cite: [ds.id] };
    }),
    'No dataset versions are recorded for this run.',
  );
  if (r.run && !list.length) sum.missing('Dataset versions the run used', 'record them with the run: cognify run record ... --dataset train=<name>@<N>');

  const ids = new Set<string>();
  for (const ds of list) {
    let sid = `dataset-${slug(ds.object.name)}-${ds.object.number}`;
    for (let k = 2; ids.has(sid); k++) sid = `dataset-${slug(ds.object.name)}-${ds.object.number}-${k}`;
    ids.add(sid);
    const s = d.section(sid, r.run ? `${datasetLabel(ds)} (${ds.roles})` : datasetLabel(ds));
    provenanceFields(s, ds);
    const from = lineage(r, ds);
    if (from.length) {
      s.text('Lineage recorded with the transformations:');
      s.list(from);
    } else if (ds.object.provenance.transformations?.length) s.text('Lineage: no transformation records the dataset versions it was derived from.', [ds.id]);
    s.text('Earlier versions:');
    s.list(versionChain(r, ds));
  }

  const scans = d.section('pii-scans', 'PII/PHI Scans');
  const seen = new Set<string>();
  scans.table(['Dataset version', 'PII/PHI scan', 'Findings', 'Detector'], scanRows(r).filter((row) => !seen.has(row.cells[0]!) && seen.add(row.cells[0]!)), 'No dataset versions.');

  return d.finish('provenance', `Data provenance: ${r.subject.label}`, null, r.run ? list.map((ds) => ds.id) : []);
}
