import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { costOf, deploymentCost, deploymentSeconds, estimatedTrainingTokens, priceOf, trainingCost } from '../../../lib/budget/cost';
import type { ResolvedCampaignConfig } from '../../../lib/config/load';
import { deploymentUsage, spentByRound, trainingUsage, type TrainingRecord } from '../../../lib/report/campaignReport';
import type { ModelEntry } from '../../../lib/registry';
import { DirectoryRunStore } from '../../../lib/store';
import { renderHtmlReport } from '../../../lib/report/html';

const prices = {
  sim: {
    'base-model': { inputPerMillion: 1, outputPerMillion: 2, trainingPerMillion: 8 },
    '*': { inputPerMillion: 0.5, outputPerMillion: 1, deploymentPerHour: 3 },
  },
};
const config = { prices, student: { provider: 'sim' } } as unknown as ResolvedCampaignConfig;

describe('cost arithmetic', () => {
  test('training: trained tokens at the training price per million, none without that price', () => {
    expect(trainingCost(2_000_000, priceOf(config, 'sim', 'base-model'))).toBeCloseTo(16);
    expect(trainingCost(2_000_000, priceOf(config, 'sim', 'other'))).toBeUndefined();
    expect(trainingCost(undefined, priceOf(config, 'sim', 'base-model'))).toBeUndefined();
    expect(estimatedTrainingTokens(1000, 3)).toBe(3000);
    expect(estimatedTrainingTokens(1000, undefined)).toBe(1000);
  });

  test('deployment: running seconds (up to now while live) at the price per hour', () => {
    const now = new Date('2026-01-01T02:00:00Z');
    expect(deploymentSeconds({ createdAt: '2026-01-01T00:00:00Z' }, now)).toBe(7200);
    expect(deploymentSeconds({ createdAt: '2026-01-01T00:00:00Z', deletedAt: '2026-01-01T00:30:00Z' }, now)).toBe(1800);
    expect(deploymentSeconds({ createdAt: '2026-01-01T00:00:00Z', runningSeconds: 60 }, now)).toBe(60);
    expect(deploymentCost(7200, priceOf(config, 'sim', 'any'))).toBeCloseTo(6);
    expect(deploymentCost(7200, priceOf(config, 'sim', 'base-model'))).toBeUndefined();
    expect(costOf({ promptTokens: 1e6, completionTokens: 1e6 }, priceOf(config, 'sim', 'x'))).toBeCloseTo(1.5);
  });

  test('per round: training records priced by the base model, deployments by the round that trained the model', async () => {
    const store = new DirectoryRunStore(mkdtempSync(path.join(os.tmpdir(), 'strawberry-cost-')));
    const rec: TrainingRecord = { jobId: 'ftjob-1', model: 'ft:base-model:c-r1', baseModel: 'base-model', provider: 'sim', attempt: 1, trainedTokens: 500_000 };
    await store.writeJsonAtomic('c/round-1/fine-tune-a1/training.json', rec);
    const training = await trainingUsage(store, 'c', 1, config);
    expect(training).toEqual([{ ...rec, cost: 4 }]);

    const now = new Date('2026-01-01T01:00:00Z');
    const models = [
      { modelId: 'ft:base-model:c-r1', provider: 'sim', round: 1, status: 'candidate', createdAt: '', updatedAt: '', deployment: { id: 'd1', provider: 'sim', servedModel: 'd1', createdAt: '2026-01-01T00:00:00Z' } },
    ] as ModelEntry[];
    const deployed = deploymentUsage(models, config, now).get(1)!;
    expect(deployed).toEqual([{ model: 'ft:base-model:c-r1', id: 'd1', provider: 'sim', seconds: 3600, live: true, cost: 3 }]);

    // No ledger and no registry deployments: what round 1 spent is its training.
    const spent = await spentByRound(store, 'c', config);
    expect(spent.get(1)).toBeCloseTo(4);
  });

  test('the HTML report charts cost by kind and lists training and deployments', () => {
    const html = renderHtmlReport({
      name: 'c',
      runStore: '/tmp/c',
      generatedAt: '2026-01-01T00:00:00Z',
      rounds: [
        {
          round: 1,
          frontier: 0,
          passRates: [],
          tokens: [{ phase: 'estimate', model: 'm', promptTokens: 10, completionTokens: 20, samples: 2, cost: 1 }],
          training: [{ jobId: 'j', model: 'ft:m', provider: 'sim', attempt: 1, trainedTokens: 1000, cost: 2 }],
          deployments: [{ model: 'ft:m', id: 'd1', provider: 'sim', seconds: 3600, live: true, cost: 3 }],
          cost: 6,
          summary: { round: 1 } as never,
        },
      ],
      models: [],
      totals: { promptTokens: 10, completionTokens: 20, samples: 2, cost: 6, trainedTokens: 1000, trainingCost: 2, deploymentSeconds: 3600, deploymentCost: 3 },
    });
    expect(html).toContain('id="cost"');
    expect(html).toContain('1000 trained tokens');
    expect(html).toContain('1.00 h (live)');
    expect(html).toContain('"part":"training","cost":2');
  });
});
