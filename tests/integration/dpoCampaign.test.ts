import path from 'node:path';
import OpenAI from 'openai';
import type { ResolvedCampaignConfig } from '../../lib/config/load';
import { ModelRegistry } from '../../lib/registry';
import { campaignReport } from '../../lib/report/campaignReport';
import { DirectoryRunStore } from '../../lib/store';
import { repoRoot, startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * `fineTune.method: sft-then-dpo` (issue 24) against the sim on the real dev server, in the OpenAI and Together
 * shapes: every round attempt runs exactly one SFT job and one DPO job (created by the polling activity from the
 * SFT model, under its own key), the round's model is the DPO job's, both jobs' training records are in the
 * report, and the pairs are counted per round.
 */
const runsDir = useRunsDir();
const store = () => new DirectoryRunStore(runsDir);

/** Promote on the point estimate; six traces per problem so the band gives both correct and wrong ones. */
const dpoConfig = (c: ResolvedCampaignConfig, extra: Partial<ResolvedCampaignConfig['fineTune']> = {}): ResolvedCampaignConfig => ({
  ...c,
  evaluation: { ...c.evaluation, confidence: 0.5 },
  traces: { ...c.traces, perProblem: 6 },
  fineTune: { ...c.fineTune, method: 'sft-then-dpo', beta: 0.2, ...extra },
  stopping: { ...c.stopping, maxRounds: 3, maxRoundsWithoutPromotion: 3 },
});

async function pairsPerRound(name: string, rounds: number[]) {
  const report = await campaignReport(store(), name);
  return { report, pairs: rounds.map((n) => report.rounds.find((r) => r.round === n)?.pairs) };
}

describe('sft-then-dpo campaigns (issue 24 acceptance)', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('openai: one supervised and one dpo job per round attempt, the DPO job from the SFT model, the round\'s model the DPO output', async () => {
    h = await startCampaignHarness({ label: 'dpo-openai', configure: (c) => dpoConfig(c) });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    const client = new OpenAI({ baseURL: h.sim.baseURL, apiKey: 'sim-test-key' });
    const jobs: OpenAI.FineTuning.FineTuningJob[] = [];
    for await (const job of client.fineTuning.jobs.list({ limit: 100 })) jobs.push(job);
    const byKey = new Map(jobs.map((j) => [j.metadata!.strawberry_key!, j]));
    // Exactly two jobs per round attempt, under `<key>` and `<key>-dpo`, never a duplicate.
    expect(byKey.size).toBe(jobs.length);
    const rounds = outcome.rounds.map((r) => r.round);
    for (const n of rounds) {
      const sft = byKey.get(`${h.name}-r${n}-a1`)!;
      const dpo = byKey.get(`${h.name}-r${n}-a1-dpo`)!;
      expect(sft.method?.type).toBe('supervised');
      expect(dpo.method).toMatchObject({ type: 'dpo', dpo: { hyperparameters: { beta: 0.2 } } });
      expect(dpo.model).toBe(sft.fine_tuned_model);
    }
    expect(jobs).toHaveLength(2 * rounds.length);
    // The registry's candidates are the DPO models, trained by the DPO jobs.
    const registry = await ModelRegistry.load(store(), h.name);
    const trained = registry.entries().filter((m) => m.status !== 'base');
    expect(trained).toHaveLength(rounds.length);
    for (const c of trained) expect(c.jobId).toBe(byKey.get(`${h.name}-r${c.round}-a1-dpo`)!.id);
    // Both jobs' training records are in the report, and the pairs are counted per round.
    const { report, pairs } = await pairsPerRound(h.name, rounds);
    for (const r of report.rounds) expect((r.training ?? []).map((t) => t.method)).toEqual(['sft', 'dpo']);
    for (const p of pairs) {
      expect(p!.pairs).toBeGreaterThanOrEqual(10);
      expect(p!.pairsPerProblem).toBeGreaterThanOrEqual(1);
      expect(p!.method).toBe('sft-then-dpo');
    }
  });

  it('together: the DPO job continues from the SFT job with training_method dpo, one of each per round attempt', async () => {
    h = await startCampaignHarness({
      label: 'dpo-together',
      configFile: path.join(repoRoot, 'tests/fixtures/campaigns/small-together.yaml'),
      configure: (c) => dpoConfig(c, { nEpochs: 3 }),
      simConfig: { provider: { kind: 'together', deploymentSeconds: 0.3 } },
    });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    const creates = h.sim.provider()!.requests.filter((r) => r.method === 'POST' && r.path === '/v1/fine-tunes');
    expect(creates).toHaveLength(2 * outcome.rounds.length);
    const registry = await ModelRegistry.load(store(), h.name);
    const trained = registry.entries().filter((m) => m.status !== 'base').sort((a, b) => a.round - b.round);
    expect(trained).toHaveLength(outcome.rounds.length);
    const report = await campaignReport(store(), h.name);
    trained.forEach((c, i) => {
      const sft = creates[2 * i]!.body as Record<string, unknown>;
      const dpo = creates[2 * i + 1]!.body as Record<string, unknown>;
      expect(sft).not.toHaveProperty('training_method');
      const round = report.rounds.find((r) => r.round === c.round)!;
      const sftJob = round.training!.find((t) => t.method === 'sft')!;
      expect(dpo).toMatchObject({ from_checkpoint: sftJob.jobId, training_method: { method: 'dpo', dpo_beta: 0.2 } });
      expect(dpo).not.toHaveProperty('model');
      expect(c.jobId).toBe(round.training!.find((t) => t.method === 'dpo')!.jobId);
    });
  });
});
