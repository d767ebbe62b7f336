// Trust rules of the dataset layer, added to the chain's table by src/api.
import type { ActionRule } from '../chain/trust.js';
import { expectSubjects, sameRepo, sameSigner } from '../chain/trust.js';
import type { Signed } from '../chain/signed-object.js';
import type { DatasetVersion } from './dataset-types.js';

export const datasetRules: Record<string, ActionRule> = {
  'dataset.commit': {
    who: ['ml-engineer', 'data-steward', 'admin'],
    apply(ctx) {
      const [version] = expectSubjects<Signed<DatasetVersion> & { [k: string]: never }>(ctx, ['dataset-version']);
      sameSigner(ctx, version!);
      sameRepo(ctx, version!);
    },
  },
};
