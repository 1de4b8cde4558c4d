import path from 'node:path';
import OpenAI from 'openai';
import type { ResolvedCampaignConfig } from '../../lib/config/load';
import { ModelRegistry } from '../../lib/registry';
import { campaignReport } from '../../lib/report/campaignReport';
import { DirectoryRunStore } from '../../lib/store';
import { repoRoot, startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * `fineTune.method: sft-then-dpo` (issue 24) against the sim on the real dev server, in every provider mode
 * (openai, together, azure, fireworks, selfhosted): every round attempt runs exactly one SFT job and one DPO job (created by the polling activity from the
 * SFT model, under its own key), the round's model is the DPO job's, both jobs' training records are in the
 * report, and the pairs are counted per round.
 */
const runsDir = useRunsDir();
const store = () => new DirectoryRunStore(runsDir);

/**
 * Promote on the point estimate; six traces per problem so the band gives both correct and wrong ones. Pair
 * counts depend on the trained models' names (the sim hashes them), so a round may make fewer than
 * `dataset.pairs.minPairs` (10): it then keeps its SFT model and makes no DPO job, which the tests check too.
 */
const dpoConfig = (c: ResolvedCampaignConfig, extra: Partial<ResolvedCampaignConfig['fineTune']> = {}, maxProblems = c.band.maxProblems): ResolvedCampaignConfig => ({
  ...c,
  band: { ...c.band, maxProblems },
  evaluation: { ...c.evaluation, confidence: 0.5 },
  traces: { ...c.traces, perProblem: 6 },
  fineTune: { ...c.fineTune, method: 'sft-then-dpo', beta: 0.2, ...extra },
  stopping: { ...c.stopping, maxRounds: 3, maxRoundsWithoutPromotion: 3 },
});

async function pairsPerRound(name: string, rounds: number[]) {
  const report = await campaignReport(store(), name);
  return { report, pairs: rounds.map((n) => report.rounds.find((r) => r.round === n)?.pairs) };
}

/** Points the `azure` provider at the running sim: data plane at <root>/openai/v1, control plane at <root>. */
function atAzureSim(c: ResolvedCampaignConfig): ResolvedCampaignConfig {
  const root = process.env.STRAWBERRY_SIM_URL!.replace(/\/v1$/, '');
  const p = c.providers.sim!;
  if (p.kind !== 'azure') throw new Error('small-azure.yaml: expected an azure provider');
  return { ...c, providers: { ...c.providers, sim: { ...p, baseURL: `${root}/openai/v1`, deployments: { ...p.deployments, managementURL: root } } } };
}

/** The sim's jobs in OpenAI's shape (a training command's too, which carry no metadata of ours). */
async function simJobs(baseURL: string): Promise<OpenAI.FineTuning.FineTuningJob[]> {
  const client = new OpenAI({ baseURL, apiKey: 'sim-test-key' });
  const jobs: OpenAI.FineTuning.FineTuningJob[] = [];
  for await (const job of client.fineTuning.jobs.list({ limit: 100 })) jobs.push(job);
  return jobs;
}

/** The sim's jobs by business key; no key twice. */
async function jobsByKey(baseURL: string): Promise<Map<string, OpenAI.FineTuning.FineTuningJob>> {
  const jobs = await simJobs(baseURL);
  const byKey = new Map(jobs.map((j) => [j.metadata!.strawberry_key!, j]));
  expect(byKey.size).toBe(jobs.length);
  return byKey;
}

describe('sft-then-dpo campaigns (issue 24 acceptance)', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('openai: one supervised and one dpo job per round attempt, the DPO job from the SFT model, the round\'s model the DPO output', async () => {
    h = await startCampaignHarness({ label: 'dpo-openai', configure: (c) => dpoConfig(c, {}, 40) });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    // One job under `<key>` and, where the round made enough pairs, one under `<key>-dpo`; never a duplicate.
    const byKey = await jobsByKey(h.sim.baseURL);
    const registry = await ModelRegistry.load(store(), h.name);
    const { report } = await pairsPerRound(h.name, [1, 2, 3]);
    let expected = 0;
    for (const r of report.rounds) {
      const sft = byKey.get(`${h.name}-r${r.round}-a1`)!;
      const dpo = byKey.get(`${h.name}-r${r.round}-a1-dpo`);
      expect(sft.method?.type).toBe('supervised');
      expect(r.pairs).toMatchObject({ method: 'sft-then-dpo' });
      expect(dpo !== undefined).toBe(r.pairs!.written);
      expected += dpo ? 2 : 1;
      const candidate = registry.entries().find((m) => m.status !== 'base' && m.round === r.round)!;
      // Both jobs' training records are in the report; the round's model is the DPO job's, trained from the SFT model.
      expect((r.training ?? []).map((t) => t.method)).toEqual(dpo ? ['sft', 'dpo'] : ['sft']);
      if (dpo) {
        expect(dpo.method).toMatchObject({ type: 'dpo', dpo: { hyperparameters: { beta: 0.2 } } });
        expect(dpo.model).toBe(sft.fine_tuned_model);
        expect(candidate.jobId).toBe(dpo.id);
        expect(r.pairs!.pairs).toBeGreaterThanOrEqual(10);
        expect(r.pairs!.pairsPerProblem).toBeGreaterThanOrEqual(1);
      } else expect(candidate.jobId).toBe(sft.id);
    }
    expect(byKey.size).toBe(expected);
    expect(expected).toBeGreaterThan(report.rounds.length);
  });

  it('together: the DPO job continues from the SFT job with training_method dpo, one of each per round attempt', async () => {
    h = await startCampaignHarness({
      label: 'dpo-together',
      configFile: path.join(repoRoot, 'tests/fixtures/campaigns/small-together.yaml'),
      configure: (c) => dpoConfig(c, { nEpochs: 3 }, 40),
      simConfig: { provider: { kind: 'together', deploymentSeconds: 0.3 } },
    });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    const creates = h.sim.provider()!.requests.filter((r) => r.method === 'POST' && r.path === '/v1/fine-tunes').map((r) => r.body as Record<string, unknown>);
    const registry = await ModelRegistry.load(store(), h.name);
    const report = await campaignReport(store(), h.name);
    let next = 0;
    for (const r of report.rounds) {
      const training = r.training!;
      const sft = creates[next++]!;
      expect(sft).not.toHaveProperty('training_method');
      if (r.pairs!.written) {
        const dpo = creates[next++]!;
        expect(dpo).toMatchObject({ from_checkpoint: training.find((t) => t.method === 'sft')!.jobId, training_method: { method: 'dpo', dpo_beta: 0.2 } });
        expect(dpo).not.toHaveProperty('model');
      }
      expect(training.map((t) => t.method)).toEqual(r.pairs!.written ? ['sft', 'dpo'] : ['sft']);
      const candidate = registry.entries().find((m) => m.status !== 'base' && m.round === r.round)!;
      expect(candidate.jobId).toBe(training[training.length - 1]!.jobId);
    }
    expect(creates).toHaveLength(next);
    expect(next).toBeGreaterThan(report.rounds.length);
  });

  it('azure: the same jobs through the OpenAI-shaped v1 API; a round with too few pairs keeps its SFT model and makes no DPO job', async () => {
    h = await startCampaignHarness({
      label: 'dpo-azure',
      configFile: path.join(repoRoot, 'tests/fixtures/campaigns/small-azure.yaml'),
      configure: (c) => dpoConfig(atAzureSim(c)),
      simConfig: { provider: { kind: 'azure', deploymentSeconds: 0.3, fileProcessingSeconds: 0.2 } },
    });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    const creates = h.sim
      .provider()!
      .requests.filter((r) => r.method === 'POST' && r.path === '/openai/v1/fine_tuning/jobs')
      .map((r) => r.body as { model: string; method?: { type: string }; metadata: Record<string, string> });
    const registry = await ModelRegistry.load(store(), h.name);
    const report = await campaignReport(store(), h.name);
    let expected = 0;
    for (const r of report.rounds) {
      const keys = creates.filter((b) => b.metadata.strawberry_round === String(r.round)).map((b) => `${b.metadata.strawberry_key} ${b.method?.type ?? 'supervised'}`);
      const dpo = r.pairs!.written;
      expect(keys).toEqual([`${h.name}-r${r.round}-a1 supervised`, ...(dpo ? [`${h.name}-r${r.round}-a1-dpo dpo`] : [])]);
      expected += keys.length;
      const training = r.training!;
      expect(training.map((t) => t.method)).toEqual(dpo ? ['sft', 'dpo'] : ['sft']);
      // The round's candidate is the last job's model: the DPO job's, or the SFT job's without enough pairs.
      const candidate = registry.entries().find((m) => m.status !== 'base' && m.round === r.round)!;
      expect(candidate.jobId).toBe(training[training.length - 1]!.jobId);
      expect(candidate.deployment).toMatchObject({ provider: 'azure' });
    }
    expect(creates).toHaveLength(expected);
    expect(expected).toBeGreaterThan(report.rounds.length);
  });

  it('fireworks: the DPO job is a dpoJobs resource warm-started from the SFT model, its output model named in trainingConfig and deployed', async () => {
    h = await startCampaignHarness({
      label: 'dpo-fireworks',
      configFile: path.join(repoRoot, 'tests/fixtures/campaigns/small-fireworks.yaml'),
      configure: (c) => dpoConfig(c, {}, 40),
      simConfig: { provider: { kind: 'fireworks', deploymentSeconds: 0.3 } },
    });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    const posts = (resource: string) => h!.sim.provider()!.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/${resource}`));
    const sftCreates = posts('supervisedFineTuningJobs');
    const dpoCreates = posts('dpoJobs').map((r) => r.body as { trainingConfig: Record<string, unknown>; lossConfig: { klBeta: number } });
    const registry = await ModelRegistry.load(store(), h.name);
    const report = await campaignReport(store(), h.name);
    let dpoRounds = 0;
    for (const r of report.rounds) {
      const training = r.training!;
      expect(training.map((t) => t.method)).toEqual(r.pairs!.written ? ['sft', 'dpo'] : ['sft']);
      const candidate = registry.entries().find((m) => m.status !== 'base' && m.round === r.round)!;
      if (r.pairs!.written) {
        const dpo = dpoCreates[dpoRounds++]!;
        const sft = training.find((t) => t.method === 'sft')!;
        expect(dpo).toMatchObject({ trainingConfig: { warmStartFrom: sft.model, outputModel: expect.stringMatching(/^accounts\/sim-account\/models\//) }, lossConfig: { klBeta: 0.2 } });
        expect(dpo.trainingConfig).not.toHaveProperty('baseModel');
        expect(candidate.modelId).toBe(dpo.trainingConfig.outputModel);
        expect(candidate.jobId).toMatch(/^dpoJobs\//);
      } else expect(candidate.jobId).toBe(training[0]!.jobId);
      expect(candidate.deployment).toMatchObject({ provider: 'fireworks' });
    }
    // One supervised job per round attempt and one DPO job per round that made enough pairs: none twice.
    expect(sftCreates).toHaveLength(report.rounds.length);
    expect(dpoCreates).toHaveLength(dpoRounds);
    expect(dpoRounds).toBeGreaterThan(0);
  });

  it('selfhosted: both jobs run the local training command (--method sft, then --method dpo from the SFT checkpoint) and load as adapters', async () => {
    h = await startCampaignHarness({
      label: 'dpo-selfhosted',
      configFile: path.join(repoRoot, 'tests/fixtures/campaigns/small-selfhosted.yaml'),
      configure: (c): ResolvedCampaignConfig => {
        const sim = c.providers.sim as Extract<ResolvedCampaignConfig['providers'][string], { kind: 'local' }>;
        return dpoConfig({ ...c, providers: { ...c.providers, sim: { ...sim, train: { ...sim.train!, jobsDir: path.join(runsDir, 'local-jobs'), cwd: repoRoot } } } }, {}, 40);
      },
      simConfig: { provider: { kind: 'selfhosted' } },
    });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    // The sim's own jobs, made by the training command: their methods, per business key of the local job.
    const byMethod = (await simJobs(h.sim.baseURL)).map((j) => j.method?.type);
    const registry = await ModelRegistry.load(store(), h.name);
    const report = await campaignReport(store(), h.name);
    let expected = 0;
    for (const r of report.rounds) {
      const training = r.training!;
      expect(training.map((t) => t.method)).toEqual(r.pairs!.written ? ['sft', 'dpo'] : ['sft']);
      expected += training.length;
      const candidate = registry.entries().find((m) => m.status !== 'base' && m.round === r.round)!;
      expect(candidate.jobId).toBe(training[training.length - 1]!.jobId);
    }
    expect(byMethod).toHaveLength(expected);
    expect(byMethod.filter((m) => m === 'dpo').length).toBe(report.rounds.filter((r) => r.pairs!.written).length);
    expect(expected).toBeGreaterThan(report.rounds.length);
    const loads = h.sim.provider()!.requests.filter((r) => r.path === '/v1/load_lora_adapter').map((r) => r.body.lora_name);
    for (const m of registry.entries().filter((e) => e.status === 'promoted')) expect(loads).toContain(m.modelId);
  });

  it('dpo alone: one dpo job per round on the preference file, and the sim\'s dpoDrift (no SFT term) shows in the held-out accuracy', async () => {
    h = await startCampaignHarness({
      label: 'dpo-only',
      configure: (c) => ({ ...dpoConfig(c), fineTune: { ...c.fineTune, method: 'dpo', beta: 0.1 }, stopping: { ...c.stopping, maxRounds: 2, maxRoundsWithoutPromotion: 2 } }),
      simConfig: { training: { dpoDrift: 3 } },
    });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2]);
    const byKey = await jobsByKey(h.sim.baseURL);
    expect([...byKey.keys()].sort()).toEqual([`${h.name}-r1-a1-dpo`, `${h.name}-r2-a1-dpo`]);
    for (const j of byKey.values()) expect(j.method).toMatchObject({ type: 'dpo', dpo: { hyperparameters: { beta: 0.1 } } });
    // A drift of 3 ability units per job without an SFT parent: every candidate is worse than the base and rejected.
    const registry = await ModelRegistry.load(store(), h.name);
    const trained = registry.entries().filter((m) => m.status !== 'base');
    expect(trained.length).toBe(2);
    for (const c of trained) expect(c.status).toBe('rejected');
    const { report } = await pairsPerRound(h.name, [1, 2]);
    for (const r of report.rounds) {
      expect(r.pairs).toMatchObject({ method: 'dpo', written: true });
      expect(r.dataset).toMatchObject({ new: 0, examples: r.pairs!.pairs });
      expect((r.training ?? []).map((t) => t.method)).toEqual(['dpo']);
    }
  });
});
