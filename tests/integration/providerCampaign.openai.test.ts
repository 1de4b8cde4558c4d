import OpenAI from 'openai';
import type { ResolvedCampaignConfig } from '../../lib/config/load';
import { ModelRegistry } from '../../lib/registry';
import { campaignReport } from '../../lib/report/campaignReport';
import { DirectoryRunStore } from '../../lib/store';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * A 3-round campaign against the sim in OpenAI's shape on the real dev server: each job trains the current
 * student (the `ft:` parent as `model`); the sim answers the student and its fine-tunes as reasoning models,
 * which refuse `max_tokens`, so every chat request must carry `max_completion_tokens` (row 13); nothing is
 * deployed (OpenAI serves fine-tunes at once); training costs in dollars are the jobs' `trained_tokens` at the
 * sim's price table.
 */
const runsDir = useRunsDir();
const SIM_KEY = 'sim-test-key';
const SIM_PRICES = { trainingPerMillionTokens: 3, deploymentPerHour: 2.4 };

/** A one-sided 50% bound promotes on the point estimate, so round 2 continues from round 1's model. */
const promoteOnEstimate = (c: ResolvedCampaignConfig): ResolvedCampaignConfig => ({ ...c, evaluation: { ...c.evaluation, confidence: 0.5 } });

describe('openai campaign (issue 21 acceptance)', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('openai: 3 rounds, the ft: parent as model, max_completion_tokens throughout (the sim refuses max_tokens), no deployment, costs in dollars from trained_tokens', async () => {
    const prices = { sim: { '*': { inputPerMillion: 0, outputPerMillion: 0, trainingPerMillion: SIM_PRICES.trainingPerMillionTokens, deploymentPerHour: SIM_PRICES.deploymentPerHour } } };
    h = await startCampaignHarness({
      label: 'openai-3',
      configure: (c) => promoteOnEstimate({ ...c, prices, stopping: { maxRounds: 3, maxRoundsWithoutPromotion: 3 } }),
      // Every sim model (student, its fine-tunes, the verifier) answers as a reasoning model does.
      simConfig: { provider: { kind: 'openai', reasoningModels: ['^sim-', '^ft:'], prices: SIM_PRICES } },
    });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    const registry = await ModelRegistry.load(new DirectoryRunStore(runsDir), h.name);
    const trained = registry.entries().filter((m) => m.status !== 'base').sort((a, b) => a.round - b.round);
    expect(trained.length).toBeGreaterThanOrEqual(2);
    const jobs = new Map<string, { model: string; trainedTokens: number | null }>();
    const client = new OpenAI({ baseURL: h.sim.baseURL, apiKey: SIM_KEY });
    for await (const job of client.fineTuning.jobs.list({ limit: 100 })) jobs.set(job.id, { model: job.model, trainedTokens: job.trained_tokens });
    for (const c of trained) expect(jobs.get(c.jobId!)?.model).toBe(c.parent);
    expect(trained.some((c) => c.parent !== registry.base()!.modelId)).toBe(true);
    // OpenAI serves a fine-tune as soon as its job succeeded: nothing deployed, nothing billed per hour.
    for (const c of trained) expect(c.deployment).toBeUndefined();
    // Sampling went through: every round drew samples (a max_tokens request would have been refused with a 400).
    expect(h.sim.stats().chatCompletions).toBeGreaterThan(0);

    // Training costs in dollars: the job's trained_tokens at the table's price (OpenAI reports no price).
    const report = await campaignReport(new DirectoryRunStore(runsDir), h.name);
    const training = report.rounds.flatMap((r) => r.training ?? []);
    expect(training).toHaveLength(trained.length);
    for (const t of training) {
      expect(t.trainedTokens).toBe(jobs.get(t.jobId!)?.trainedTokens);
      expect(t.cost).toBeCloseTo((t.trainedTokens! * SIM_PRICES.trainingPerMillionTokens) / 1e6, 9);
    }
    expect(report.totals.trainingCost).toBeCloseTo(training.reduce((s, t) => s + t.cost!, 0), 9);
    expect(report.totals.deploymentCost ?? 0).toBe(0);
  });
});
