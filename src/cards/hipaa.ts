// The HIPAA evidence pack for health data: a dataset version, or the dataset versions a run used.
// The de-identification method; the Safe Harbor checklist of the 18 identifiers of 45 CFR
// 164.514(b)(2)(i), each mapped to what the PII/PHI scan looks for and found (open, or waived by a
// named person with a reason); the minimum-necessary field list; integrity hashes; the audit-log
// excerpt with its Merkle proof; and the privacy officer's approval. What the scanner cannot see
// (biometrics, photographs) is said plainly, never reported as "none found".
import { answerText, type Answers } from './answers.js';
import { bytes, DocBuilder, num, personText, shortId } from './build.js';
import { datasetLabel } from './common.js';
import { approvalText, columnTable, columnsOf, scanText, uniqueDatasets, waiversOf } from './dataset-blocks.js';
import type { PiiKind } from '../policy/pii-detect.js';
import type { CardRecord, DatasetEntry, Doc } from './types.js';

const BY_CONTEXT = 'only where a column name or a preceding keyword says what the number is';
const NOT_DETECTABLE = 'Not detectable in text or tabular data by this scanner: not checked.';

/** 45 CFR 164.514(b)(2)(i)(A)-(R) and the scanner kinds that look for each. */
const SAFE_HARBOR: { item: string; identifier: string; kinds: PiiKind[]; detects: string; result?: string }[] = [
  { item: '(A)', identifier: 'Names', kinds: ['name'], detects: "name: only in columns named for a person's name; names in free text are not detected" },
  { item: '(B)', identifier: 'Geographic subdivisions smaller than a state (street address, city, county, precinct, ZIP code)', kinds: ['zip'], detects: 'zip: ZIP codes after a state abbreviation or the word ZIP, and ZIP or postcode columns; street addresses, cities and counties are not detected' },
  { item: '(C)', identifier: 'All elements of dates (except year) directly related to an individual; ages over 89', kinds: ['date', 'age-over-89'], detects: 'date: dates more specific than a year; age-over-89: in age columns or after a word such as "aged"; ages in clinical shorthand ("92F") are not detected' },
  { item: '(D)', identifier: 'Telephone numbers', kinds: ['phone'], detects: 'phone' },
  { item: '(E)', identifier: 'Fax numbers', kinds: ['phone'], detects: 'phone: fax numbers are counted with telephone numbers' },
  { item: '(F)', identifier: 'Electronic mail addresses', kinds: ['email'], detects: 'email' },
  { item: '(G)', identifier: 'Social security numbers', kinds: ['ssn'], detects: 'ssn' },
  { item: '(H)', identifier: 'Medical record numbers', kinds: ['mrn'], detects: `mrn: ${BY_CONTEXT}` },
  { item: '(I)', identifier: 'Health plan beneficiary numbers', kinds: ['health-plan'], detects: `health-plan: ${BY_CONTEXT}` },
  { item: '(J)', identifier: 'Account numbers', kinds: ['account'], detects: `account: ${BY_CONTEXT}` },
  { item: '(K)', identifier: 'Certificate/license numbers', kinds: ['licence'], detects: `licence: ${BY_CONTEXT}` },
  { item: '(L)', identifier: 'Vehicle identifiers and serial numbers, including license plate numbers', kinds: ['vehicle'], detects: 'vehicle: VINs by their check digit; plates by column name or keyword' },
  { item: '(M)', identifier: 'Device identifiers and serial numbers', kinds: ['device'], detects: `device: ${BY_CONTEXT}` },
  { item: '(N)', identifier: 'Web Universal Resource Locators (URLs)', kinds: ['url'], detects: 'url' },
  { item: '(O)', identifier: 'Internet Protocol (IP) address numbers', kinds: ['ip'], detects: 'ip' },
  { item: '(P)', identifier: 'Biometric identifiers, including finger and voice prints', kinds: [], detects: 'none', result: NOT_DETECTABLE },
  { item: '(Q)', identifier: 'Full face photographic images and any comparable images', kinds: [], detects: 'none', result: NOT_DETECTABLE },
  {
    item: '(R)',
    identifier: 'Any other unique identifying number, characteristic, or code',
    kinds: [],
    detects: 'partly: mrn, account, licence, device',
    result: 'Partly covered: the scanner recognises only the numbers under (H), (J), (K) and (M); other unique numbers, characteristics or codes are not detected.',
  },
];

/** What the scan found for one checklist item: per kind, found N (open) or found N and waived; else none found. */
function itemResult(ds: DatasetEntry, row: (typeof SAFE_HARBOR)[number]): { text: string; cite: string[] } {
  const sc = ds.scan!;
  if (row.result) return { text: row.result, cite: [] };
  const found = sc.object.findings as Partial<Record<PiiKind, number>>;
  if (row.item === '(E)') return { text: found.phone ? 'Counted under (D): the scanner does not tell fax from telephone numbers.' : 'none found', cite: [sc.id] };
  const cite = [sc.id];
  const parts = row.kinds
    .filter((k) => found[k])
    .map((k) => {
      const w = waiversOf(ds, k);
      if (w) cite.push(...w.ids);
      return `${k}: found ${num(found[k]!)} in ${columnsOf(ds, k) || 'the data'}${w ? `, ${w.text}` : ' (open)'}`;
    });
  return { text: parts.length ? parts.join('; ') : 'none found', cite };
}

export function hipaa(r: CardRecord, answers: Answers): Doc {
  const d = new DocBuilder(r, answers);
  const list = uniqueDatasets(r);

  const dm = d.section('deidentification-method', 'De-identification Method (45 CFR 164.514(b))');
  dm.answer('deidentificationMethod');
  const method = answerText(answers, 'deidentificationMethod') ?? '';
  if (/expert/i.test(method)) {
    dm.note("Expert determination (45 CFR 164.514(b)(1)): the evidence of de-identification is the qualified expert's documented determination that the risk of identifying an individual is very small. The Safe Harbor checklist below is supporting evidence only.");
  } else if (/safe.?harbou?r/i.test(method)) {
    dm.text('Safe Harbor (45 CFR 164.514(b)(2)): each of the 18 identifiers below must be removed, and the covered entity must not have actual knowledge that the remaining information could identify an individual.');
    const kept = list.filter((ds) => ds.scan && Object.keys(ds.scan.object.findings).length);
    if (kept.length) {
      const what = kept.map((ds) => `${datasetLabel(ds)}: ${Object.entries(ds.scan!.object.findings).map(([k, n]) => `${k} ${num(n)} (${waiversOf(ds, k) ? 'waived' : 'open'})`).join(', ')}`).join('; ');
      dm.note(
        `The scan found identifiers in the data: ${what}. Safe Harbor requires them to be removed; a waiver meets it only where it shows the finding is not an identifier of an individual. Otherwise the data is de-identified only if an expert determination (45 CFR 164.514(b)(1)) covers it.`,
        kept.flatMap((ds) => [ds.scan!.id, ...ds.scan!.waivers.map((w) => w.id)]),
      );
    }
  }

  const sh = d.section('safe-harbor-checklist', 'Safe Harbor Checklist (45 CFR 164.514(b)(2)(i))');
  if (r.run && !list.length) sh.missing('Dataset versions the run used', 'record them with the run: cognify run record ... --dataset train=<name>@<N>');
  for (const ds of list) {
    if (!ds.scan) {
      sh.missing(`PII/PHI scan of ${datasetLabel(ds)}`, `scan it: cognify scan ${ds.object.name}@${ds.object.number}`);
      continue;
    }
    sh.text(scanText(r, ds), [ds.scan.id]);
    sh.table(
      ['Item', 'Identifier', 'What the scanner looks for', 'Result'],
      SAFE_HARBOR.map((row) => {
        const res = itemResult(ds, row);
        return { cells: [row.item, row.identifier, row.detects, res.text], cite: res.cite };
      }),
      '',
    );
  }

  const mn = d.section('minimum-necessary', 'Minimum Necessary (45 CFR 164.502(b))');
  mn.answer('minimumNecessary');
  for (const ds of list) {
    mn.text(`Every ${'columns' in ds.object.schema ? 'column' : 'JSON path'} of ${datasetLabel(ds)}, with the identifiers the PII/PHI scan found in it:`);
    columnTable(mn, ds, true);
  }

  const integ = d.section('integrity', 'Integrity (45 CFR 164.312(c))');
  integ.text(
    "The file SHA-256 is the hash of the exact bytes committed; the object id is the SHA-256 of the signed dataset-version object that records them with their schema and provenance; the bytes are stored as row-aligned, content-addressed chunks listed by the version's recipe tree.",
  );
  integ.table(
    ['Dataset version', 'File SHA-256', 'Size', 'Object id', 'Recipe chunks'],
    list.map((ds) => ({ cells: [datasetLabel(ds), ds.object.sha256, `${bytes(ds.object.bytes)}, ${num(ds.object.rows)} rows`, ds.id, ds.object.recipe ? num(ds.object.recipe.chunks) : 'none (empty file)'], cite: [ds.id] })),
    'No dataset versions.',
  );

  const log = d.section('audit-log', 'Audit Log Excerpt (45 CFR 164.312(b))');
  log.table(
    ['Seq', 'Time (UTC)', 'Actor', 'Action', 'Subject'],
    r.log.entries.map((e) => ({ cells: [String(e.seq), e.time, personText(r, e.actor), e.action, e.subjects[0] ? shortId(e.subjects[0]) : ''], cite: e.subjects.filter((id) => r.objects[id]) })),
    'No log entries name the objects this document cites.',
  );
  if (r.log.entries.length) {
    log.text(
      `These entries are covered by the audit log's Merkle root ${r.log.root} at size ${r.log.size}; \`cognify log proof <seq> --size ${r.log.size}\` proves each of them against it (for instance \`cognify log proof ${r.log.entries[0]!.seq} --size ${r.log.size}\`).`,
    );
  }
  if (r.verification.ok) log.text('`cognify verify` passed when this document was generated: every signature and every log entry checked.');
  else log.note(`\`cognify verify\` FAILED when this document was generated: ${r.verification.problem ?? 'see cognify verify'}. The excerpt above is not evidence until the record is repaired.`);

  const po = d.section('privacy-officer-approval', 'Privacy Officer Approval');
  const all = [...r.approvals, ...list.flatMap((ds) => ds.approvals)].filter((a, i, xs) => xs.findIndex((b) => b.id === a.id) === i && a.object.role === 'privacy-officer');
  po.list(all.map((a) => ({ text: approvalText(r, a), cite: a.withdrawal ? [a.id, a.withdrawal.id] : [a.id] })));
  if (!all.some((a) => a.object.meaning === 'approved' && !a.withdrawal)) {
    po.missing('Privacy officer approval', `the privacy officer signs each dataset version: cognify approve <name>@<N> --meaning approved --role privacy-officer${all.length ? ' (no privacy-officer approval in force: those above are not approvals or are withdrawn)' : ''}`);
  }

  const refs = d.section('references', 'HIPAA References');
  refs.table(
    ['Reference', 'What it asks', 'Where this document answers it'],
    [
      { cells: ['45 CFR 164.514(b)(1), (b)(2)', 'De-identification by expert determination or by removing the 18 Safe Harbor identifiers', 'De-identification Method; Safe Harbor Checklist'], cite: [] },
      { cells: ['45 CFR 164.502(b), 164.514(d)', 'Use and disclose only the minimum necessary protected health information', 'Minimum Necessary'], cite: [] },
      { cells: ['45 CFR 164.312(b)', 'Audit controls: record and examine activity in systems that contain or use ePHI', 'Audit Log Excerpt'], cite: [] },
      { cells: ['45 CFR 164.312(c)(1), (c)(2)', 'Integrity: protect ePHI from improper alteration or destruction, and corroborate that it has not been altered', 'Integrity'], cite: [] },
    ],
    '',
  );

  return d.finish('hipaa', `HIPAA de-identification evidence: ${r.subject.label}`, null, r.run ? list.map((ds) => ds.id) : []);
}
