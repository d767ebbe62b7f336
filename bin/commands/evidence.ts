// cognify eval import | eval bias, and cognify import mlflow: evidence that tools already write,
// attached to runs as signed objects.
import { resolve } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';

export const evalFlags: FlagSpec = {
  run: { type: 'string' },
  mapping: { type: 'string' },
  group: { type: 'string' },
  label: { type: 'string' },
  pred: { type: 'string' },
  positive: { type: 'string' },
};

const pct = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));

export async function evaluation(ctx: Context): Promise<void> {
  const [sub, ...rest] = ctx.args.positionals;
  const args = { ...ctx.args, positionals: rest };
  const run = str(args, 'run');
  switch (sub) {
    case 'import': {
      const [file] = need(args, 1, 'cognify eval import <results.json> --run <run> [--mapping FILE.yaml]');
      if (!run) throw new InputError('USAGE', 'eval import needs --run <run>: the run the results belong to', {});
      const mapping = str(args, 'mapping');
      const repo = await ctx.repo();
      const { signer } = await ctx.signer();
      const r = await repo.runs.importLmEval({ file: resolve(ctx.io.cwd, file!), run, signer, ...(mapping ? { mapping: resolve(ctx.io.cwd, mapping) } : {}) });
      ctx.out({ eval: r.eval, run: r.run, tasks: r.tasks, failed: r.failed, gaps: r.gaps, unmapped: r.unmapped }, () =>
        [
          `Attached lm-eval results to ${run}: ${r.tasks} tasks`,
          `  ${r.eval}`,
          ...r.failed.map((f) => `  FAILED ${f.task} ${f.metric} = ${f.value} (threshold ${f.direction === 'higher' ? '≥' : '≤'} ${f.threshold}; ${f.objectives.join(', ')})`),
          `  objectives with no evaluation: ${r.gaps.length ? r.gaps.join(', ') : 'none'}`,
          ...(r.unmapped.length ? [`  tasks not in the objectives mapping: ${r.unmapped.join(', ')}`] : []),
        ].join('\n'),
      );
      return;
    }
    case 'bias': {
      const [file] = need(args, 1, 'cognify eval bias <predictions.csv|jsonl> --run <run> --group <col>[,<col>] --label <col> --pred <col> [--positive V]');
      const group = str(args, 'group');
      const label = str(args, 'label');
      const pred = str(args, 'pred');
      if (!run || !group || !label || !pred) throw new InputError('USAGE', 'eval bias needs --run <run>, --group <column>[,<column>], --label <column> and --pred <column>', {});
      const groups = group.split(',').map((g) => g.trim());
      if (groups.some((g) => !g)) throw new InputError('USAGE', `--group needs column names separated by commas, got ${JSON.stringify(group)}`, {});
      const positive = str(args, 'positive');
      const repo = await ctx.repo();
      const { signer } = await ctx.signer();
      const r = await repo.runs.evalBias({ file: resolve(ctx.io.cwd, file!), run, signer, columns: { groups, label, pred, ...(positive !== undefined ? { positive } : {}) } });
      ctx.out(
        { eval: r.eval, run: r.run, rows: r.rows, positive: r.positive, groups: r.groups, attributes: r.attributes, demographicParityDifference: r.demographicParityDifference, equalizedOddsDifference: r.equalizedOddsDifference, fourFifthsViolations: r.fourFifthsViolations, warnings: r.warnings },
        () => {
          const label = (g: { attribute: string; value: string }) => `${g.attribute}=${g.value}`;
          const w = Math.min(60, Math.max(5, ...r.groups.map((g) => label(g).length)));
          const small = r.groups.filter((g) => g.smallSample);
          // Small-sample warnings are summarised in one line; any other warning is printed as it is.
          const other = r.warnings.filter((x) => !/: n=\d+ is below \d+;/.test(x));
          return [
            `Attached bias metrics to ${run}: ${r.rows} predictions, positive = ${JSON.stringify(r.positive)}`,
            `  ${r.eval}`,
            `  ${'group'.padEnd(w)} ${'n'.padStart(6)} ${'selection'.padStart(10)} ${'TPR'.padStart(7)} ${'FPR'.padStart(7)}`,
            ...r.groups.map((g) => `  ${label(g).padEnd(w)} ${String(g.n).padStart(6)} ${pct(g.selectionRate).padStart(10)} ${pct(g.tpr).padStart(7)} ${pct(g.fpr).padStart(7)}${g.smallSample ? '  *' : ''}`),
            ...(small.length ? [`  * small sample (n < 30): its rates are unstable`] : []),
            `  demographic parity difference ${pct(r.demographicParityDifference)}, equalized odds difference ${pct(r.equalizedOddsDifference)}`,
            `  four-fifths rule (29 CFR 1607.4(D)): ${r.fourFifthsViolations.length ? r.fourFifthsViolations.map((v) => `${v.attribute}=${v.value} impact ratio ${v.impactRatio.toFixed(2)}`).join('; ') : 'no group below 80% of the highest selection rate'}`,
            ...other.map((x) => `  warning: ${x}`),
          ].join('\n');
        },
      );
      return;
    }
    default:
      throw new InputError('USAGE', `unknown eval command "${sub ?? ''}"; use eval import or eval bias`, {});
  }
}

export async function importer(ctx: Context): Promise<void> {
  const [sub, ...rest] = ctx.args.positionals;
  const args = { ...ctx.args, positionals: rest };
  switch (sub) {
    case 'mlflow': {
      const [dir] = need(args, 1, 'cognify import mlflow <mlruns dir>');
      const repo = await ctx.repo();
      const { signer } = await ctx.signer();
      const r = await repo.runs.importMlflow({ dir: resolve(ctx.io.cwd, dir!), signer });
      ctx.out({ runs: r.runs.map((x) => ({ mlflowRunId: x.mlflowRunId, run: x.run, name: x.name, created: x.created })) }, () =>
        r.runs.length
          ? r.runs.map((x) => `${x.created ? 'Imported' : 'Already imported'} MLflow run ${x.mlflowRunId} as ${x.name}  ${x.run.slice(0, 19)}`).join('\n')
          : `No MLflow runs in ${dir}`,
      );
      return;
    }
    default:
      throw new InputError('USAGE', `unknown import source "${sub ?? ''}"; use import mlflow <mlruns dir> (Trainer output: cognify run record --hf-trainer; lm-eval: cognify eval import)`, {});
  }
}
