// Model development documentation and validation evidence in the shape SR 11-7 asks (Federal
// Reserve SR Letter 11-7 / OCC Bulletin 2011-12, Supervisory Guidance on Model Risk Management):
// the inventory record, purpose and use, design and conceptual soundness, data quality, testing and
// limitations, outcomes analysis, ongoing monitoring, and effective challenge: who validated, how
// independent of development they were, the issues on record and how the approvals address them.
import { answerText, type Answers } from './answers.js';
import { baseModelText, checksOf, DocBuilder, evalsOf, biasOf, num, personText, runLabel } from './build.js';
import { approvalBlocks, biasBlocks, dataChangeBlocks, datasetLabel, datasetsTable, evaluationBlocks, lossBlocks, provenanceFields, scanRows, trainingRecordBlocks } from './common.js';
import { architecture, authenticity, objective, runAuthorship, type Authorship, type Stated } from './run-facts.js';
import type { ApprovalEntry, CardRecord, Doc } from './types.js';

const VALIDATOR_ROLE = 'model-risk';

/** Whether an approver is independent of the run's development, from the record. */
function independence(a: ApprovalEntry, who: Authorship): Stated {
  const fp = a.object.signer;
  const author = who.authors.get(fp);
  const input = who.inputs.get(fp);
  const attached = who.attachers.get(fp);
  if (author || input) {
    const what = [author?.text, input?.text].filter(Boolean).join('; ');
    return { text: `not independent of development: ${what}`, cite: [...(author?.cite ?? []), ...(input?.cite ?? [])] };
  }
  return {
    text: `independent of development: signed no authoring version of the run and committed none of its data${attached ? ` (${attached.text}, which is not authorship)` : ''}`,
    cite: [...developmentIds(who), ...(attached?.cite ?? [])],
  };
}

/** The ids the independence test read: every author's versions and every dataset. */
function developmentIds(who: Authorship): string[] {
  return [...who.authors.values(), ...who.inputs.values()].flatMap((s) => s.cite);
}

/** Issues on record: rejections, withdrawals, failed checks, four-fifths findings, open PII findings, unmet requirements. */
function issues(r: CardRecord): Stated[] {
  const out: Stated[] = [];
  const run = r.run!;
  for (const a of r.approvals) {
    if (a.object.meaning === 'rejected') out.push({ text: `${a.object.name} (${a.object.role}) rejected the run at ${a.object.time}: "${a.object.comment}"`, cite: [a.id] });
    if (a.withdrawal) out.push({ text: `${a.object.name}'s "${a.object.meaning}" signature of ${a.object.time} was withdrawn by ${a.withdrawal.object.name} at ${a.withdrawal.object.time}: ${a.withdrawal.object.reason || 'no reason given'}`, cite: [a.id, a.withdrawal.id] });
  }
  for (const e of evalsOf(r, 'lm-eval')) {
    for (const c of checksOf(e.object).filter((x) => !x.passed)) out.push({ text: `Objective check failed: ${c.task} ${c.metric} ${num(c.value)} (needs ${c.direction === 'higher' ? '≥' : '≤'} ${num(c.threshold)})`, cite: [e.id] });
  }
  for (const e of evalsOf(r, 'bias')) {
    const v = biasOf(e.object).fourFifthsViolations;
    if (v.length) out.push({ text: `Four-fifths rule (29 CFR 1607.4(D)): ${v.length} group(s) selected at less than four-fifths of the highest group's rate (section 6): ${v.map((x) => `${x.attribute}=${x.value} (${num(x.impactRatio, 3)})`).join('; ')}`, cite: [e.id] });
  }
  const signed = r.approvals.filter((a) => !a.withdrawal && a.object.meaning !== 'authored').map((a) => a.object.time).sort();
  const last = signed[signed.length - 1];
  for (const d of r.datasets) {
    if (!d.scan) {
      out.push({ text: `${datasetLabel(d)} has no PII/PHI scan`, cite: [d.id] });
      continue;
    }
    const waived = new Set(d.scan.waivers.map((w) => w.object.kind as string));
    const open = (Object.entries(d.scan.object.findings) as [string, number][]).filter(([k]) => !waived.has(k));
    if (open.length) {
      const after = last !== undefined && d.scan.object.time > last ? ', after the last approval' : '';
      out.push({ text: `PII/PHI scan of ${datasetLabel(d)} has findings not waived: ${open.map(([k, n]) => `${k} ${n}`).join(', ')} (scan recorded ${d.scan.object.time}${after})`, cite: [d.scan.id] });
    }
  }
  const code = run.object.code;
  if (code?.clean === false) out.push({ text: `The training code's working tree had ${code.dirty.length} uncommitted change(s) when the run was recorded: ${code.dirty.map((x) => `${x.path} ${x.status}`).join(', ')}`, cite: [run.id] });
  const p = r.status.policy;
  for (const m of r.status.missing) out.push({ text: `Policy requirement not met: ${m.requirement} (${m.detail})`, cite: p ? [p.id] : [] });
  return out;
}

export function sr117(r: CardRecord, answers: Answers): Doc {
  if (!r.run) throw new Error('cards: an SR 11-7 record is about a run');
  const run = r.run.object;
  const runId = [r.run.id];
  const d = new DocBuilder(r, answers);
  const name = answerText(answers, 'modelName') ?? run.name;
  const who = runAuthorship(r);
  const live = r.approvals.filter((a) => !a.withdrawal);

  const about = d.section('about', 'About this document');
  about.note(
    'SR 11-7 (Federal Reserve SR Letter 11-7 and OCC Bulletin 2011-12, Supervisory Guidance on Model Risk Management, 2011) was superseded in 2026 by updated interagency model risk management guidance. Where that guidance applies, read the sections below as the evidence it asks for; the section references given here are to SR 11-7.',
  );
  about.text(`Model development documentation and validation evidence for run ${runLabel(r)}, generated from the signed record.`, runId);

  const inv = d.section('inventory', '1. Model inventory record (SR 11-7, section VI)');
  inv.field('Model name', name, answerText(answers, 'modelName') ? [] : runId);
  inv.field('Run id', r.run.id, runId);
  inv.field('Version', `${run.number} (run ${runLabel(r)}, ${run.status})`, runId);
  inv.answer('modelOwner');
  inv.field('Developer (author of the run)', [...who.authors.keys()].map((fp) => personText(r, fp)).join('; ') || null, [...who.authors.values()].flatMap((s) => s.cite), { required: true, hint: 'record the run (cognify run record ...) so that its author signs it' });
  const validators = live.filter((a) => a.object.role === VALIDATOR_ROLE && (a.object.meaning === 'approved' || a.object.meaning === 'reviewed'));
  inv.field(`Validators (${VALIDATOR_ROLE} role)`, validators.map((a) => `${a.object.name} <${a.object.email}>, ${a.object.meaning} ${a.object.time}`).join('; ') || null, validators.map((a) => a.id), {
    required: true,
    hint: `an independent validator holding the ${VALIDATOR_ROLE} role approves the run: cognify approve ${run.name} --meaning approved --role ${VALIDATOR_ROLE}`,
  });
  inv.field('Approval state', `${r.status.state}${r.status.policy ? ` (policy ${r.status.policy.name} version ${r.status.policy.number})` : ''}`, r.status.policy ? [r.status.policy.id] : []);
  const approved = live.filter((a) => a.object.meaning === 'approved').sort((a, b) => (a.object.time < b.object.time ? -1 : 1));
  const lastApproval = approved[approved.length - 1];
  inv.field('Date of last approval', lastApproval ? `${lastApproval.object.time} (${lastApproval.object.name}, ${lastApproval.object.role})` : null, lastApproval ? [lastApproval.id] : []);
  inv.field('Uses', 'See 2. Purpose and use');
  inv.field('Base model', baseModelText(r), runId);
  const auth = authenticity(r);
  inv.field('Authenticity hash of the model', auth?.text ?? null, auth?.cite ?? [], { required: true, hint: "record the run's final model so that its files are hashed" });

  const purpose = d.section('purpose', '2. Purpose and use (section IV)');
  purpose.answer('intendedUse');
  purpose.answer('outOfScopeUse');

  const design = d.section('design', '3. Design, theory and logic: conceptual soundness (sections IV and V.1)');
  design.answer('designRationale');
  const arch = architecture(r);
  design.field('Architecture', arch?.text ?? null, arch?.cite ?? [], { required: true, hint: 'record the base model: cognify run record ... --base-model <name>@<revision>' });
  const obj = objective(r);
  design.field('Training objective', obj?.text ?? null, obj?.cite ?? []);
  trainingRecordBlocks(design, r);

  const data = d.section('data', '4. Data quality and relevance (sections IV and V.1)');
  datasetsTable(data, r);
  for (const ds of r.datasets) provenanceFields(data, ds);
  data.table(['Dataset version', 'PII/PHI scan', 'Findings', 'Detector'], scanRows(r), 'No datasets.');
  dataChangeBlocks(data, r);

  const testing = d.section('testing', '5. Model testing and limitations (sections IV and V.1)');
  evaluationBlocks(testing, r, { required: true });
  testing.answer('limitations');

  const outcomes = d.section('outcomes', '6. Outcomes analysis (section V.3)');
  outcomes.text("Outcomes analysis compares the model's outputs with actual outcomes: the bias evaluation compares its predictions with the labels of the predictions file by protected group, and the loss curves compare training with held-out evaluation loss. Results against their thresholds are in section 5.");
  biasBlocks(outcomes, r, { required: true, charts: true });
  lossBlocks(outcomes, r);

  const monitoring = d.section('monitoring', '7. Ongoing monitoring (section V.2)');
  monitoring.answer('monitoringPlan');

  const challenge = d.section('effective-challenge', '8. Effective challenge and validation (sections III and V)');
  challenge.table(
    ['Name', 'Role', 'Meaning', 'Time (UTC)', 'Comment', 'Independence', 'State'],
    r.approvals.map((a) => {
      const ind = independence(a, who);
      return { cells: [a.object.name, a.object.role, a.object.meaning, a.object.time, a.object.comment, ind.text, a.withdrawal ? `withdrawn ${a.withdrawal.object.time}` : 'in force'], cite: [a.id, ...(a.withdrawal ? [a.withdrawal.id] : []), ...ind.cite] };
    }),
    'No one has signed an approval of this run.',
  );
  challenge.text('Independence is read from the record: an approver who signed a version of the run other than by attaching an eval, or committed one of its dataset versions, is not independent of development.');
  approvalBlocks(challenge, r);
  const p = r.status.policy ? [r.status.policy.id] : [];
  if (r.status.met.length || r.status.missing.length) {
    challenge.table(['Policy requirement', 'Detail', 'State'], [...r.status.met.map((m) => ({ cells: [m.requirement, m.detail, 'met'], cite: p })), ...r.status.missing.map((m) => ({ cells: [m.requirement, m.detail, 'MISSING'], cite: p }))], '');
  }
  const found = issues(r);
  if (found.length) {
    challenge.text('Issues on record:');
    challenge.list(found);
    challenge.text(
      live.length
        ? "Their resolution on record is the approvers' signed comments in the table above; the record does not tie a comment to a particular issue."
        : 'No approval is in force, so no resolution is on record.',
    );
  } else challenge.text('No issue was raised: the record holds no rejection, withdrawal, failed objective check, four-fifths finding, open PII/PHI finding or unmet policy requirement.', [...r.approvals.map((a) => a.id), ...r.evals.map((e) => e.id), ...p]);
  challenge.answer('riskMitigation', { label: 'Remediation and mitigation', required: false });
  return d.finish('sr11-7', `Model development and validation record (SR 11-7): ${name}`);
}
