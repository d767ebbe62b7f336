// The two shapes of the documents layer. A `CardRecord` is what src/api/cards.ts gathers from the
// repository for one subject (a run version or a dataset version): plain, JSON-like data, every
// object with its id. A `Doc` is what a kind's builder makes of it: sections of blocks, each
// statement citing the ids it came from. Renderers (markdown, HTML, JSON) only read a Doc.
// Nothing here reads a clock or the disk: the same record and answers give the same document.
import type { ApprovalObject, ScanObject, WaiverObject, WithdrawalObject } from '../policy/policy-types.js';
import type { CheckpointManifestObject, EvalObject, MetricPoint, RunObject } from '../runs/run-types.js';
import type { DatasetVersion } from '../diff/dataset-types.js';
import type { Answers } from './answers.js';

export type { Answers };

// ---- the record ------------------------------------------------------------------------------

/** Every object a document may cite: its type, who signed it and when, and the hash to show. */
export interface ObjectInfo {
  type: string;
  /** Signer's fingerprint, or null for unsigned objects (metric segments). */
  signer: string | null;
  time: string | null;
  /** The hash a reader checks: a dataset's file SHA-256, a checkpoint's root, else the object id. */
  hash: string;
}

export interface Person {
  name: string;
  email: string;
}

export interface ApprovalEntry {
  id: string;
  object: ApprovalObject;
  /** The log entry that added it. */
  seq: number;
  withdrawal: { id: string; object: WithdrawalObject } | null;
}

export interface ScanEntry {
  id: string;
  object: ScanObject;
  waivers: { id: string; object: WaiverObject }[];
}

/** Counts of a row diff between a dataset version and its parent. */
export interface DiffCounts {
  added: number;
  removed: number;
  modified: number;
  moved: number;
  /** Schema changes, described ("column model_version added"). */
  schema: string[];
}

export interface DatasetEntry {
  /** train, eval ... for a run's datasets; "subject" when the dataset is the document's subject. */
  role: string;
  id: string;
  object: DatasetVersion;
  parent: { id: string; number: number; diff: DiffCounts } | null;
  scan: ScanEntry | null;
  approvals: ApprovalEntry[];
}

export interface CheckpointEntry {
  name: string;
  step: number | null;
  /** True for the run's outputs (the final model), false for intermediate checkpoints. */
  output: boolean;
  id: string;
  object: CheckpointManifestObject;
}

export interface LogExcerptEntry {
  seq: number;
  id: string;
  time: string;
  actor: string;
  action: string;
  subjects: string[];
}

export interface Verification {
  ok: boolean;
  objects: number;
  signatures: number;
  logEntries: number;
  /** The first problem `cognify verify` reported, or null. */
  problem: string | null;
}

export interface StatusRequirement {
  requirement: string;
  detail: string;
}

export interface StatusInfo {
  state: string;
  policy: { id: string; name: string; number: number } | null;
  met: StatusRequirement[];
  missing: StatusRequirement[];
}

export interface CardRecord {
  repo: { id: string; name: string };
  subject: { id: string; type: 'run' | 'dataset-version'; label: string };
  run: { id: string; object: RunObject; versions: { id: string; number: number; signer: string; time: string }[] } | null;
  /** The run's metric history (bounded by the gatherer). */
  metrics: MetricPoint[];
  checkpoints: CheckpointEntry[];
  evals: { id: string; object: EvalObject }[];
  datasets: DatasetEntry[];
  /** Approvals of the subject itself, in log order. */
  approvals: ApprovalEntry[];
  status: StatusInfo;
  people: Record<string, Person>;
  objects: Record<string, ObjectInfo>;
  /** The log entries that name any cited object, and the log's size and Merkle root at the last of them. */
  log: { size: number; root: string; entries: LogExcerptEntry[] };
  verification: Verification;
}

// ---- the document ----------------------------------------------------------------------------

/** Ids of the objects a statement came from. */
export type Cite = string[];

export interface Field {
  label: string;
  /** null: not in the record nor the answers. Required → MISSING; otherwise "not recorded". */
  value: string | null;
  cite: Cite;
  required: boolean;
  /** What to do about a missing value ("answer intendedUse in --answers"). */
  hint?: string;
}

export type Chart =
  | { kind: 'lineage'; nodes: { id: string; label: string; group: 'dataset' | 'run' | 'checkpoint' | 'eval' | 'approval' }[]; edges: { from: string; to: string }[] }
  | { kind: 'loss'; title: string; series: { name: string; points: [number, number][] }[] }
  | { kind: 'thresholds'; title: string; rows: { label: string; value: number; threshold: number; direction: 'higher' | 'lower'; passed: boolean }[] }
  | { kind: 'bias'; title: string; attribute: string; groups: { label: string; rate: number; ratio: number | null; n: number; flagged: boolean; smallSample: boolean }[] }
  | { kind: 'diff'; title: string; rows: { label: string; added: number; removed: number; modified: number; moved: number }[] };

export type Block =
  | { type: 'paragraph'; text: string; cite: Cite }
  | { type: 'fields'; fields: Field[] }
  | { type: 'table'; columns: string[]; rows: { cells: string[]; cite: Cite }[]; empty: string }
  | { type: 'list'; items: { text: string; cite: Cite }[] }
  /** A required item that neither the record nor the answers give: rendered as MISSING. */
  | { type: 'missing'; item: string; hint: string }
  /** A notice set apart (a superseded guidance, a four-fifths finding). */
  | { type: 'note'; text: string; cite: Cite }
  | { type: 'chart'; chart: Chart; cite: Cite };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface EvidenceRow {
  id: string;
  type: string;
  hash: string;
  /** Printed name and e-mail of the signer, or null for unsigned objects. */
  signer: string | null;
  time: string | null;
}

/** A signature as 21 CFR 11.50 asks it to be shown: printed name, date and time, meaning. */
export interface SignatureRow {
  approval: string;
  name: string;
  email: string;
  role: string;
  meaning: string;
  time: string;
  comment: string;
  /** The approval's subject (the document's subject, or one of its datasets). */
  subject: string;
  withdrawn: { id: string; time: string; reason: string } | null;
}

export interface Doc {
  kind: string;
  title: string;
  /** The subject's object id. */
  subject: string;
  subjectType: string;
  subjectLabel: string;
  repo: { id: string; name: string };
  /** YAML front matter (the model card's Hugging Face metadata), or null. */
  frontMatter: Record<string, unknown> | null;
  sections: Section[];
  /** Every required item shown as MISSING, by section title. */
  missing: { section: string; item: string }[];
  evidence: EvidenceRow[];
  signatures: SignatureRow[];
  verification: Verification & { logSize: number; root: string };
  answers: Answers;
}
