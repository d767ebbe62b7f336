// The kinds of document, what each is about, and the one entry point that builds them.
import { DOCUMENT_KINDS } from '../policy/policy-types.js';
import { InputError } from '../core/errors.js';
import type { Answers } from './answers.js';
import { modelCard } from './model-card.js';
import { annexXi } from './annex-xi.js';
import { annexXii } from './annex-xii.js';
import { trainingSummary } from './training-summary.js';
import { sr117 } from './sr11-7.js';
import { datasheet } from './datasheet.js';
import { provenanceDoc } from './provenance.js';
import { hipaa } from './hipaa.js';
import { biasReport } from './bias.js';
import type { CardRecord, Doc } from './types.js';

export type CardKind = (typeof DOCUMENT_KINDS)[number];
export const CARD_KINDS: readonly CardKind[] = DOCUMENT_KINDS;

/** Which subjects each kind is about. */
export const CARD_SUBJECTS: Record<CardKind, readonly ('run' | 'dataset-version')[]> = {
  'model-card': ['run'],
  'annex-xi': ['run'],
  'annex-xii': ['run'],
  'training-summary': ['run'],
  'sr11-7': ['run'],
  datasheet: ['dataset-version'],
  provenance: ['run', 'dataset-version'],
  hipaa: ['run', 'dataset-version'],
  bias: ['run'],
};

const BUILDERS: Record<CardKind, (r: CardRecord, a: Answers) => Doc> = {
  'model-card': modelCard,
  'annex-xi': annexXi,
  'annex-xii': annexXii,
  'training-summary': trainingSummary,
  'sr11-7': sr117,
  datasheet,
  provenance: provenanceDoc,
  hipaa,
  bias: biasReport,
};

export function isCardKind(k: string): k is CardKind {
  return (CARD_KINDS as readonly string[]).includes(k);
}

/** Refuse a kind about the wrong kind of subject (a datasheet of a run). */
export function checkSubject(kind: CardKind, subject: { id: string; type: string; label: string }): void {
  if (!(CARD_SUBJECTS[kind] as readonly string[]).includes(subject.type)) {
    const what = CARD_SUBJECTS[kind].map((t) => (t === 'run' ? 'a run' : 'a dataset version')).join(' or ');
    throw new InputError('INPUT_INVALID', `a ${kind} document is about ${what}, and ${subject.label} is not; see cognify card --help`, { kind, subject: subject.id });
  }
}

/** Build a document of `kind` from a gathered record and the answers. Pure. */
export function buildCard(kind: CardKind, record: CardRecord, answers: Answers): Doc {
  checkSubject(kind, record.subject);
  return BUILDERS[kind](record, answers);
}
