// Narrative answers: what the record cannot know (intended use, limitations, out-of-scope uses,
// the acceptable use policy ...), written by people in a YAML file given with `--answers` and
// stored with the committed document. Every key is known; an unknown key is an error naming the
// line, so that a typo is not silently shown as MISSING. A document never invents an answer.
import { LineCounter, parseDocument } from 'yaml';
import { yamlData } from '../core/yaml.js';
import { InputError } from '../core/errors.js';
import { locate, Problem } from '../policy/policy-doc.js';

/** The categories of the Commission's training-content summary template, section 2. */
export const SOURCE_CATEGORIES = ['publicly-available', 'private-licensed', 'web-crawled', 'user-data', 'synthetic', 'other'] as const;

export interface AnswerSpec {
  /** How the documents name it (a MISSING item's name). */
  label: string;
  /** What to write, for `--check` and the MISSING hint. */
  help: string;
  shape: 'text' | 'boolean' | 'date' | 'categories';
}

export const ANSWER_KEYS = {
  modelName: { label: 'Model name', help: 'the name the model is released under', shape: 'text' },
  provider: { label: 'Provider', help: 'the organisation that places the model on the market or puts it into service', shape: 'text' },
  contact: { label: 'Contact', help: 'who answers questions about the model (a team and an address)', shape: 'text' },
  license: { label: 'Licence', help: 'the licence the model is released under (an SPDX id such as apache-2.0, or "other")', shape: 'text' },
  releaseDate: { label: 'Release date', help: 'the date of release (YYYY-MM-DD)', shape: 'date' },
  intendedUse: { label: 'Intended use', help: 'the tasks and users the model is meant for', shape: 'text' },
  outOfScopeUse: { label: 'Out-of-scope use', help: 'uses the model must not be put to', shape: 'text' },
  limitations: { label: 'Known limitations', help: 'what the model does badly, and where it must not be relied on', shape: 'text' },
  acceptableUsePolicy: { label: 'Acceptable use policy', help: 'the acceptable use policy downstream users agree to, or where it is published', shape: 'text' },
  distribution: { label: 'Distribution channels', help: 'how the model (or the dataset) is made available', shape: 'text' },
  riskMitigation: { label: 'Risk mitigation', help: 'what is done about the risks and biases found', shape: 'text' },
  systemicRisk: { label: 'Systemic risk', help: 'true when the model is a general-purpose AI model with systemic risk (AI Act Art. 51)', shape: 'boolean' },
  adversarialTesting: { label: 'Adversarial testing', help: 'the internal and external adversarial testing (red-teaming) done, and the model adaptations made for alignment (Annex XI, Section 2, point 2; systemic-risk models)', shape: 'text' },
  systemArchitecture: { label: 'System architecture', help: 'how the software components build or feed into each other and integrate into the overall processing (Annex XI, Section 2, point 3; systemic-risk models)', shape: 'text' },
  designRationale: { label: 'Design and theory', help: 'why this design (base model, fine-tuning method, data) suits the purpose; its assumptions', shape: 'text' },
  monitoringPlan: { label: 'Ongoing monitoring plan', help: 'what is monitored in use, how often, by whom, and what triggers revalidation', shape: 'text' },
  modelOwner: { label: 'Model owner', help: 'the accountable business owner of the model (SR 11-7 inventory)', shape: 'text' },
  sourceCategories: { label: 'Data source categories', help: `each dataset name mapped to one of ${SOURCE_CATEGORIES.join(', ')}`, shape: 'categories' },
  rightsReservation: { label: 'Respect of reservations of rights', help: 'how text-and-data-mining opt-outs were respected when the data was gathered', shape: 'text' },
  contentRemoval: { label: 'Removal of unwanted content', help: 'what was done to remove illegal or unwanted content from the training data', shape: 'text' },
  motivation: { label: 'Motivation', help: 'why the dataset was created, by whom, for which task', shape: 'text' },
  composition: { label: 'What the rows represent', help: 'what one row is (a person, a decision, a conversation) and whether it identifies people', shape: 'text' },
  collectionProcess: { label: 'Collection process', help: 'how the data was collected, by whom, with which consent or notice', shape: 'text' },
  datasetUses: { label: 'Uses of the dataset', help: 'the tasks the dataset is for and those it must not be used for', shape: 'text' },
  maintenance: { label: 'Maintenance', help: 'who maintains the dataset, how errors are reported, how often it is updated', shape: 'text' },
  deidentificationMethod: { label: 'De-identification method', help: 'safe-harbor or expert-determination (45 CFR 164.514(b))', shape: 'text' },
  minimumNecessary: { label: 'Minimum necessary justification', help: 'why each field is needed for the purpose (45 CFR 164.502(b))', shape: 'text' },
} as const satisfies Record<string, AnswerSpec>;

export type AnswerKey = keyof typeof ANSWER_KEYS;

export interface Answers {
  [key: string]: string | boolean | Record<string, string> | undefined;
}

function checkValue(key: AnswerKey, v: unknown): string | boolean | Record<string, string> {
  const spec: AnswerSpec = ANSWER_KEYS[key];
  if (spec.shape === 'boolean') {
    if (typeof v !== 'boolean') throw new Problem([key], `expected true or false, got ${JSON.stringify(v)}`);
    return v;
  }
  if (spec.shape === 'categories') {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Problem([key], `expected a mapping of dataset name to one of ${SOURCE_CATEGORIES.join(', ')}`);
    const out: Record<string, string> = {};
    for (const [name, c] of Object.entries(v)) {
      if (typeof c !== 'string' || !(SOURCE_CATEGORIES as readonly string[]).includes(c)) throw new Problem([key, name], `unknown category ${JSON.stringify(c)}; use ${SOURCE_CATEGORIES.join(', ')}`);
      out[name] = c;
    }
    return out;
  }
  if (typeof v !== 'string' || !v.trim()) throw new Problem([key], `expected text (${spec.help})`);
  if (v.length > 20_000) throw new Problem([key], `is ${v.length} characters; keep an answer under 20,000`);
  if (spec.shape === 'date') {
    const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00Z`) : null;
    if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) throw new Problem([key], `expected a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  }
  return v.trim();
}

/** Parse and check an answers file's text; `file` names it in errors. Keys come out sorted. */
export function parseAnswers(text: string, file: string): Answers {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const err = doc.errors[0];
  if (err) {
    const { line, col } = lines.linePos(err.pos[0]);
    throw new InputError('INPUT_INVALID', `${file}:${line}:${col}: YAML syntax error: ${err.message.split('\n')[0]}; fix the answers file`, { file, line });
  }
  try {
    const root = yamlData(doc, file);
    if (root === null || root === undefined) return {};
    if (typeof root !== 'object' || Array.isArray(root)) throw new Problem([], `expected a mapping of answers (keys such as ${Object.keys(ANSWER_KEYS).slice(5, 8).join(', ')})`);
    const out: Answers = {};
    for (const k of Object.keys(root).sort()) {
      if (!(k in ANSWER_KEYS)) throw new Problem([k], `unknown answer "${k}"; the answers are ${Object.keys(ANSWER_KEYS).join(', ')}`, true);
      const v = (root as Record<string, unknown>)[k];
      if (v === null) continue; // left blank: unanswered
      out[k] = checkValue(k as AnswerKey, v);
    }
    return out;
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    const where = e.path.length ? `${e.path.join('.')}: ` : '';
    throw new InputError('INPUT_INVALID', `${file}${locate(doc, lines, e)}: ${where}${e.message}`, { file, path: e.path.join('.') });
  }
}

/** An answer as text, or null when it was not given. */
export function answerText(a: Answers, key: AnswerKey): string | null {
  const v = a[key];
  return typeof v === 'string' ? v : null;
}
