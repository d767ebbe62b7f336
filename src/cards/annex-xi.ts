// Technical documentation of a general-purpose AI model, EU AI Act (Regulation (EU) 2024/1689)
// Article 53(1)(a), with the items of Annex XI: Section 1 (every provider), points 1(a)-(f) and
// 2(a)-(e), plus model authenticity and dependencies as the Code of Practice's Model Documentation
// Form asks; Section 2 (models with systemic risk) only when the answers say the model is one.
// Whether the fine-tuner is the provider of a new model is judged by the one-third compute rule.
import { answerText, ANSWER_KEYS, type Answers } from './answers.js';
import { DocBuilder, runLabel } from './build.js';
import { computeFields, dataChangeBlocks, datasetsTable, evaluationBlocks, lossBlocks, provenanceFields, scanRows, trainingRecordBlocks } from './common.js';
import { architecture, authenticity, biasSummary, dependencies, integrationBlocks, modality, objective, oneThirdRule, parameterCount, environmentText } from './run-facts.js';
import type { CardRecord, Doc } from './types.js';

const RECORD_BASE = 'record the base model: cognify run record ... --base-model <name>@<revision>';

export function annexXi(r: CardRecord, answers: Answers): Doc {
  if (!r.run) throw new Error('cards: Annex XI technical documentation is about a run');
  const run = r.run.object;
  const runId = [r.run.id];
  const d = new DocBuilder(r, answers);
  const name = answerText(answers, 'modelName') ?? run.name;

  const scope = d.section('scope', 'Scope and provider status');
  scope.text(
    'Technical documentation under Article 53(1)(a) of Regulation (EU) 2024/1689 (AI Act), containing the information set out in Annex XI. Sections 1 and 2(a) to 2(e) below follow Annex XI, Section 1, points 1 and 2; the last section covers Annex XI, Section 2, which applies only to general-purpose AI models with systemic risk.',
  );
  scope.text(
    "Under the Commission's Guidelines on the scope of the obligations for providers of general-purpose AI models (July 2025), a downstream modification that uses more than one third of the original model's training compute makes the modifier the provider of a new general-purpose AI model.",
  );
  const status = oneThirdRule(r);
  scope.field('Provider of a new model (one-third compute rule)', status?.text ?? null, status?.cite ?? [], {
    required: true,
    hint: "record the base model's training compute (--base-model-flops) and the run's compute (FLOPs, or GPU-hours) with cognify run record",
  });

  const general = d.section('general-description', '1. General description');
  general.field('Model name', name, answerText(answers, 'modelName') ? [] : runId);
  general.field('Version', `run ${runLabel(r)}`, runId);
  general.answer('provider');
  general.answer('intendedUse', { label: '(a) Tasks the model is intended to perform, and the type and nature of AI systems it can be integrated in' });
  general.answer('acceptableUsePolicy', { label: '(b) Acceptable use policies' });
  general.answer('releaseDate', { label: '(c) Date of release' });
  general.answer('distribution', { label: '(c) Methods of distribution' });
  const arch = architecture(r);
  general.field('(d) Architecture', arch?.text ?? null, arch?.cite ?? [], { required: true, hint: RECORD_BASE });
  const params = parameterCount(r);
  general.field('(d) Number of parameters', params?.text ?? null, params?.cite ?? []);
  const mod = modality(r);
  general.field('(e) Modality and format of inputs and outputs', mod?.text ?? null, mod?.cite ?? [], {
    required: true,
    hint: 'record the run with its adapter configuration (peft task_type) so that the modality can be derived; the record cannot say it otherwise',
  });
  general.answer('license', { label: '(f) Licence' });
  const auth = authenticity(r);
  general.field('Model authenticity (Model Documentation Form)', auth?.text ?? null, auth?.cite ?? [], { required: true, hint: "record the run's final model so that its files are hashed" });
  const deps = dependencies(r);
  general.field('Model dependencies (Model Documentation Form)', deps?.text ?? null, deps?.cite ?? [], { required: true, hint: RECORD_BASE });

  const integration = d.section('integration', '2(a) Technical means required for integration');
  integrationBlocks(integration, r);
  const env = environmentText(r);
  integration.field('Software environment of the training run', env?.text ?? null, env?.cite ?? []);

  const design = d.section('design', '2(b) Design specifications and training process');
  design.answer('designRationale', { label: 'Key design choices, their rationale and assumptions' });
  const obj = objective(r);
  design.field('What the model is designed to optimise for', obj?.text ?? null, obj?.cite ?? []);
  trainingRecordBlocks(design, r);
  lossBlocks(design, r);

  const data = d.section('data', '2(c) Data used for training, testing and validation');
  data.text('Type, number of data points (rows) and exact bytes of each dataset version the run used:');
  datasetsTable(data, r);
  if (r.datasets.length) data.text('Provenance, curation (transformations and exclusions) and how the data was obtained, as the committers answered in the signed dataset versions:');
  for (const ds of r.datasets) provenanceFields(data, ds);
  data.text('Measures to detect unsuitable data: the PII/PHI scan of each dataset version.');
  data.table(['Dataset version', 'PII/PHI scan', 'Findings', 'Detector'], scanRows(r), 'No datasets.');
  const bias = biasSummary(r);
  if (bias.length) bias.forEach((b) => data.text(`Methods to detect identifiable biases: ${b.text}`, b.cite));
  else data.text('No bias evaluation is recorded for this run.');
  dataChangeBlocks(data, r);

  const compute = d.section('compute', '2(d) Computational resources and 2(e) energy consumption');
  computeFields(compute, r);
  compute.field('Training time (wall clock)', run.startedAt && run.endedAt ? `${run.startedAt} to ${run.endedAt}` : null, runId);
  if (run.compute?.energyKwh == null) {
    compute.missing('(e) Known or estimated energy consumption', 'Record the GPU model and GPU-hours with the run so that the energy is estimated, or the measured energy (kWh)');
  }

  const systemic = answers.systemicRisk;
  if (systemic === true) {
    const evals = d.section('systemic-evaluation', 'Section 2, point 1. Evaluation strategies and results');
    evaluationBlocks(evals, r, { required: true });
    const adversarial = d.section('systemic-adversarial', 'Section 2, point 2. Adversarial testing and model adaptations');
    adversarial.text('Model adaptation by fine-tuning: this run, described in 2(b).', runId);
    adversarial.answer('adversarialTesting');
    const system = d.section('systemic-architecture', 'Section 2, point 3. System architecture');
    system.answer('systemArchitecture');
  } else {
    const s2 = d.section('systemic-risk', 'Section 2. Models with systemic risk');
    if (systemic === false) s2.note('Annex XI, Section 2 applies only to general-purpose AI models with systemic risk (Article 51); the answers state that this model is not one.');
    else s2.field(ANSWER_KEYS.systemicRisk.label, null, [], { required: true, hint: `answer systemicRisk in the --answers file: ${ANSWER_KEYS.systemicRisk.help}` });
  }
  return d.finish('annex-xi', `Technical documentation (AI Act Article 53(1)(a), Annex XI): ${name}`);
}
