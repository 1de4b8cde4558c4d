import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCampaignConfig } from '../../../lib/config/load';
import { UserError } from '../../../lib/errors';
import type { RoundContext } from '../../../lib/campaign/types';
import { storeConfig } from '../../../lib/config/configStore';
import { recordStep } from '../../../lib/store';
import { DirectoryRunStore } from '../../../lib/store';

/**
 * A curriculum edited under a running campaign: ids an earlier step stored are gone. The activity must fail
 * with a UserError naming the file and the id (non-retryable: the round is blocked with that message), not a
 * TypeError that Temporal retries forever.
 */
describe('activities after the curriculum changed', () => {
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-curriculum-changed-'));
  process.env.STRAWBERRY_RUNS_DIR = runsDir;
  process.env.STRAWBERRY_SIM_URL ??= 'http://127.0.0.1:9/v1';

  it('selectBand: an estimate of a problem the curriculum no longer has is a UserError naming it', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { selectBand } = require('../../../activities/band') as typeof import('../../../activities/band');
    const config = await loadCampaignConfig(path.resolve(__dirname, '../../fixtures/campaigns/small.yaml'));
    const store = new DirectoryRunStore(runsDir);
    const configHash = await storeConfig(store, { ...config, name: 'changed' });
    const ctx: RoundContext = { campaign: 'changed', round: 1, frontier: 0, levelCount: 3, model: 'm', baseModel: 'm', attempt: 1, configHash };
    const ref = await store.writeJsonl('changed/round-1/estimates/shard-0.jsonl', [
      { problemId: 'no-such-problem', levelIndex: 0, estimate: { pHat: 0.2, samples: 20, successes: 4 } },
    ]);
    await recordStep(store, 'changed', 1, { model: 'm', frontier: 0 }, 'estimate', { ref, problems: 1, samples: 20, usage: { promptTokens: 0, completionTokens: 0 } }, 0);
    const run = selectBand({ ctx, shards: 1 });
    await expect(run).rejects.toBeInstanceOf(UserError);
    await expect(run).rejects.toThrow(/arithmetic\.yaml: no problem with id "no-such-problem"/);
  });

  it('a curriculum this worker cannot read is a UserError (the round blocks), not an endless retry', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { curriculumAt } = require('../../../activities/deps') as typeof import('../../../activities/deps');
    const missing = path.join(runsDir, 'nowhere/curriculum.yaml');
    const load = curriculumAt(missing);
    await expect(load).rejects.toBeInstanceOf(UserError);
    await expect(load).rejects.toThrow(/not readable on this worker \(ENOENT\)/);
  });
});
