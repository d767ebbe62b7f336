// A Hugging Face-compatible model card (the hub's template: YAML metadata with base_model,
// datasets, license and model-index; sections Model Details, Uses, Bias/Risks/Limitations,
// Training Details, Evaluation, Environmental Impact), plus what regulated teams need beyond it:
// a data provenance attestation, the bias evaluation against protected classes, and the
// regulatory cross-references.
import { answerText, type Answers } from './answers.js';
import { baseModelText, DocBuilder, evalsOf, modelDigest, runLabel, taskMetrics } from './build.js';
import { approvalBlocks, biasBlocks, computeFields, datasetsTable, evaluationBlocks, provenanceFields, scanRows, trainingBlocks } from './common.js';
import type { CardRecord, Doc } from './types.js';

/** The hub's metadata: what the record says, and the licence from the answers. */
function frontMatter(r: CardRecord, answers: Answers): Record<string, unknown> {
  const run = r.run!.object;
  const fm: Record<string, unknown> = {};
  const license = answerText(answers, 'license');
  if (license) fm.license = license;
  if (run.baseModel) fm.base_model = run.baseModel.name;
  const names = [...new Set(r.datasets.map((d) => d.object.name))];
  if (names.length) fm.datasets = names;
  if (String(run.hyperparameters['peft.peft_type'] ?? '')) fm.library_name = 'peft';
  fm.tags = ['cognify', ...(run.hyperparameters['peft.peft_type'] ? [String(run.hyperparameters['peft.peft_type']).toLowerCase()] : [])];
  const results = evalsOf(r, 'lm-eval').flatMap((e) => {
    const byTask = new Map<string, { type: string; value: number; name: string }[]>();
    for (const m of taskMetrics(e.object)) {
      const list = byTask.get(m.task) ?? [];
      list.push({ type: m.metric, value: m.value, name: m.metric });
      byTask.set(m.task, list);
    }
    return [...byTask.entries()].map(([task, metrics]) => ({ task: { type: 'text-generation' }, dataset: { name: task, type: task }, metrics }));
  });
  if (results.length) fm['model-index'] = [{ name: answerText(answers, 'modelName') ?? run.name, results }];
  return fm;
}

export function modelCard(r: CardRecord, answers: Answers): Doc {
  if (!r.run) throw new Error('cards: a model card is about a run');
  const run = r.run.object;
  const runId = [r.run.id];
  const d = new DocBuilder(r, answers);
  const name = answerText(answers, 'modelName') ?? run.name;

  const details = d.section('model-details', 'Model Details');
  details.field('Model name', name, answerText(answers, 'modelName') ? [] : runId);
  details.answer('provider', { label: 'Developed by' });
  details.field('Model type', run.hyperparameters['peft.peft_type'] ? `${String(run.hyperparameters['peft.peft_type'])} adapter (parameter-efficient fine-tune)` : 'fine-tuned model', runId);
  details.field('Finetuned from', baseModelText(r), runId, { required: true, hint: 'record the base model: cognify run record ... --base-model <name>@<revision>' });
  details.answer('license', { label: 'Licence' });
  details.answer('contact', { required: false });
  const digest = modelDigest(r);
  details.field('Authenticity hash (root digest of the weights)', digest ? `${digest.root} (${digest.name})` : null, digest ? [digest.manifest] : [], { required: true, hint: 'record the checkpoints or final model so their files are hashed' });
  details.field('Record', `run ${runLabel(r)}, object ${r.run.id}`, runId);

  const uses = d.section('uses', 'Uses');
  uses.answer('intendedUse', { label: 'Direct and downstream use' });
  uses.answer('outOfScopeUse');
  uses.answer('acceptableUsePolicy', { required: false });

  const risks = d.section('bias-risks-limitations', 'Bias, Risks, and Limitations');
  risks.answer('limitations');
  risks.answer('riskMitigation', { label: 'Recommendations and mitigation', required: false });
  biasBlocks(risks, r, { required: true, charts: true });

  const training = d.section('training-details', 'Training Details');
  datasetsTable(training, r);
  trainingBlocks(training, r);

  const evaluation = d.section('evaluation', 'Evaluation');
  evaluationBlocks(evaluation, r, { required: true });

  const env = d.section('environmental-impact', 'Environmental Impact');
  env.text('Figures as recorded with the run (Machine Learning Impact calculator fields); an estimate says how it was made.', runId);
  computeFields(env, r);

  const prov = d.section('data-provenance', 'Data Provenance Attestation');
  prov.text(`The six provenance questions for every dataset version the run used, as their committers answered them in the signed dataset versions. An unanswered question is shown as MISSING, never filled in.`);
  for (const ds of r.datasets) provenanceFields(prov, ds);
  prov.table(['Dataset version', 'PII/PHI scan', 'Findings', 'Detector'], scanRows(r), 'No datasets.');

  const regs = d.section('regulatory', 'Regulatory Cross-References');
  regs.table(
    ['Framework', 'What it asks', 'Where this record answers it'],
    [
      { cells: ['EU AI Act Art. 53(1)(a), Annex XI', 'Technical documentation of a general-purpose AI model', `cognify card annex-xi ${run.name}`], cite: [] },
      { cells: ['EU AI Act Art. 53(1)(b), Annex XII', 'Information for downstream providers', `cognify card annex-xii ${run.name}`], cite: [] },
      { cells: ['EU AI Act Art. 53(1)(d)', 'Public summary of training content', `cognify card training-summary ${run.name}`], cite: [] },
      { cells: ['SR 11-7 / OCC 2011-12', 'Model development documentation and independent validation', `cognify card sr11-7 ${run.name}`], cite: [] },
      { cells: ['ECOA / Regulation B; EEOC four-fifths rule', 'Disparate impact testing across protected classes', 'Bias, Risks, and Limitations (above); cognify card bias'], cite: [] },
      { cells: ['GDPR Art. 5(1)(c), 6, 9; HIPAA 45 CFR 164.514', 'Lawful basis, data minimisation, de-identification', 'Data Provenance Attestation (above); cognify card hipaa'], cite: [] },
      { cells: ['21 CFR Part 11.50, 11.70', 'Signature manifestation, signature/record linking', 'Signatures (below): each approval is signed over the exact object id'], cite: [] },
    ],
    '',
  );
  const approval = d.section('approval', 'Approval and Lineage');
  approvalBlocks(approval, r);
  return d.finish('model-card', `Model card: ${name}`, frontMatter(r, answers));
}
