// Information for downstream providers, EU AI Act (Regulation (EU) 2024/1689) Article 53(1)(b)
// and Annex XII: what a provider integrating the model into an AI system needs to know, points
// 1(a)-(h) and 2(a)-(c), plus the known limitations, out-of-scope uses and a summary of the
// evaluations, which the downstream provider needs for its own obligations.
import { answerText, type Answers } from './answers.js';
import { DocBuilder, runLabel } from './build.js';
import { datasetsTable, provenanceFields, scanRows } from './common.js';
import { architecture, authenticity, contextWindow, environmentText, evaluationSummary, finalModel, integrationBlocks, modality, parameterCount } from './run-facts.js';
import type { CardRecord, Doc } from './types.js';

/** 1(d): how the model interacts with software that is not part of it, as far as the record shows. */
function interaction(r: CardRecord): { text: string; cite: string[] } | null {
  const run = r.run!;
  const c = finalModel(r);
  const b = run.object.baseModel;
  const type = run.object.hyperparameters['peft.peft_type'];
  if (!c || c.object.layout !== 'peft-adapter' || !b) return null;
  return {
    text: `It runs only together with its base model: the ${typeof type === 'string' ? `${type} ` : ''}adapter is applied to ${b.name}${b.revision ? ` (revision ${b.revision})` : ''}, loaded by the integrating software. The record names no other hardware or software interface.`,
    cite: [run.id, c.id],
  };
}

export function annexXii(r: CardRecord, answers: Answers): Doc {
  if (!r.run) throw new Error('cards: Annex XII information is about a run');
  const run = r.run.object;
  const runId = [r.run.id];
  const d = new DocBuilder(r, answers);
  const name = answerText(answers, 'modelName') ?? run.name;

  const general = d.section('general-description', '1. General description');
  general.text('Information and documentation for providers of AI systems who intend to integrate this general-purpose AI model, under Article 53(1)(b) of Regulation (EU) 2024/1689 (AI Act), with the elements set out in Annex XII.');
  general.field('Model name', name, answerText(answers, 'modelName') ? [] : runId);
  general.field('Version', `run ${runLabel(r)}`, runId);
  general.answer('provider');
  general.answer('contact', { required: false });
  general.answer('intendedUse', { label: '(a) Tasks the model is intended to perform, and the type and nature of AI systems it can be integrated in' });
  general.answer('acceptableUsePolicy', { label: '(b) Acceptable use policies' });
  general.answer('releaseDate', { label: '(c) Date of release' });
  general.answer('distribution', { label: '(c) Methods of distribution' });
  const inter = interaction(r);
  general.field('(d) How the model interacts with hardware or software that is not part of the model', inter?.text ?? null, inter?.cite ?? []);
  const env = environmentText(r);
  general.field('(e) Versions of relevant software (as recorded for the training run)', env?.text ?? null, env?.cite ?? []);
  const arch = architecture(r);
  general.field('(f) Architecture', arch?.text ?? null, arch?.cite ?? [], { required: true, hint: 'record the base model: cognify run record ... --base-model <name>@<revision>' });
  const params = parameterCount(r);
  general.field('(f) Number of parameters', params?.text ?? null, params?.cite ?? []);
  const mod = modality(r);
  general.field('(g) Modality and format of inputs and outputs', mod?.text ?? null, mod?.cite ?? [], {
    required: true,
    hint: 'record the run with its adapter configuration (peft task_type) so that the modality can be derived; the record cannot say it otherwise',
  });
  general.answer('license', { label: '(h) Licence' });

  const integration = d.section('integration', '2(a) Technical means required for integration');
  integrationBlocks(integration, r);
  const auth = authenticity(r);
  integration.field('Authenticity hash: check the files received against it', auth?.text ?? null, auth?.cite ?? [], { required: true, hint: "record the run's final model so that its files are hashed" });

  const io = d.section('inputs-outputs', '2(b) Inputs and outputs: modality, format and maximum size');
  io.text('Modality and format: as in 1(g).');
  const ctx = contextWindow(r);
  io.field('Maximum input size (context window or training sequence length)', ctx?.text ?? null, ctx?.cite ?? []);

  const data = d.section('data', '2(c) Data used for training, testing and validation');
  datasetsTable(data, r);
  for (const ds of r.datasets) provenanceFields(data, ds);
  data.table(['Dataset version', 'PII/PHI scan', 'Findings', 'Detector'], scanRows(r), 'No datasets.');

  const limits = d.section('limitations', 'Known limitations and out-of-scope use');
  limits.answer('limitations');
  limits.answer('outOfScopeUse');
  limits.answer('riskMitigation', { label: 'Risk mitigation', required: false });

  const evaluation = d.section('evaluation', 'Evaluation summary');
  evaluationSummary(evaluation, r);
  return d.finish('annex-xii', `Information for downstream providers (AI Act Article 53(1)(b), Annex XII): ${name}`);
}
