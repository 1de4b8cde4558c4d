import path from 'node:path';
import { deploymentsTable } from '../../cli/commands/models';
import type { ResolvedCampaignConfig } from '../../lib/config/load';
import { ModelRegistry, type ModelEntry } from '../../lib/registry';
import { campaignReport } from '../../lib/report/campaignReport';
import { DirectoryRunStore } from '../../lib/store';
import { cancelSignal } from '../../workflows/messages';
import { repoRoot, startCampaignHarness, useRunsDir, waitFor, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * A 3-round campaign against the sim in Fireworks' API shape on the real dev server (issue 21 acceptance):
 * rounds 2 and 3 warm-start from the previous round's model; each candidate serves on its own on-demand
 * deployment with one replica (the sim scales a min-0 deployment to zero); superseded deployments are
 * deleted with ignoreChecks (the sim refuses a deployment in use otherwise), so one is left; costs are in
 * dollars from the sim's price table (Fireworks reports a job's estimatedCost as google.type.Money). A cancel
 * reaches the provider.
 */
const runsDir = useRunsDir();
const config = (kind: string) => path.join(repoRoot, `tests/fixtures/campaigns/small-${kind}.yaml`);
const SIM_PRICES = { trainingPerMillionTokens: 3, deploymentPerHour: 2.4 };

/**
 * These tests are about continuation and serving, not the promotion statistics: with 8 held-out problems a
 * clear gain (+0.19) can miss the 95% bound, leaving every round on the base model. A one-sided 50% bound
 * promotes on the point estimate, so round 2 continues from round 1's model.
 */
const promoteOnEstimate = (c: ResolvedCampaignConfig): ResolvedCampaignConfig => ({ ...c, evaluation: { ...c.evaluation, confidence: 0.5 } });

/** Candidates of the campaign, oldest round first. */
async function candidates(name: string): Promise<{ registry: ModelRegistry; trained: ModelEntry[] }> {
  const registry = await ModelRegistry.load(new DirectoryRunStore(runsDir), name);
  const trained = registry
    .entries()
    .filter((m) => m.status !== 'base')
    .sort((a, b) => a.round - b.round);
  return { registry, trained };
}

describe('fireworks campaign (issue 21 acceptance)', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('fireworks: 3 rounds, warmStartFrom the parent (no baseModel), one-replica deployments, superseded ones deleted, costs in dollars from the sim price table', async () => {
    const prices = { sim: { '*': { inputPerMillion: 0, outputPerMillion: 0, deploymentPerHour: SIM_PRICES.deploymentPerHour } } };
    h = await startCampaignHarness({
      label: 'fireworks-3',
      configFile: config('fireworks'),
      configure: (c) => promoteOnEstimate({ ...c, prices }),
      // The sim scales an idle min-0 deployment to zero within a second: a deployment made the old way would cold-start.
      simConfig: { provider: { kind: 'fireworks', deploymentSeconds: 0.3, scaleToZeroSeconds: 1, coldStartSeconds: 600, prices: SIM_PRICES } },
    });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    const { registry, trained } = await candidates(h.name);
    const base = registry.base()!.modelId;
    const view = h.sim.provider()!;
    const creates = view.requests.filter((r) => r.path.endsWith('/supervisedFineTuningJobs'));
    expect(creates).toHaveLength(trained.length);
    trained.forEach((c, i) => {
      if (c.parent === base) expect(creates[i]!.body).toMatchObject({ baseModel: base }), expect(creates[i]!.body.warmStartFrom).toBeUndefined();
      else expect(creates[i]!.body).toMatchObject({ warmStartFrom: c.parent }), expect(creates[i]!.body.baseModel).toBeUndefined();
    });
    expect(trained.some((c) => c.parent !== base)).toBe(true);
    const deploys = view.requests.filter((r) => r.path.endsWith('/deployments'));
    expect(deploys.map((d) => d.body.baseModel)).toEqual(trained.map((c) => c.modelId));
    for (const c of trained) {
      expect(c.deployment).toMatchObject({ provider: 'fireworks', servedModel: expect.stringContaining(`${c.modelId}#accounts/sim-account/deployments/`) });
      expect(Object.keys(c.evaluation ?? {}).length).toBeGreaterThan(0);
    }
    for (const d of deploys) expect(d.body).toMatchObject({ minReplicaCount: 1 });
    const current = outcome.finalModel;
    expect(Object.values(view.deployments)).toEqual(current === base ? [] : [current]);
    expect(view.deploymentsDeleted).toBe(view.deploymentsCreated - (current === base ? 0 : 1));

    // Training cost: Fireworks' estimatedCost (dollars = units + nanos/1e9) from the table's price per trained token.
    const report = await campaignReport(new DirectoryRunStore(runsDir), h.name);
    const training = report.rounds.flatMap((r) => r.training ?? []);
    expect(training).toHaveLength(trained.length);
    for (const t of training) {
      expect(t.providerPrice).toBeGreaterThan(0);
      expect(t.cost).toBeCloseTo(t.providerPrice!, 9);
      const tokens = (t.providerPrice! * 1e6) / SIM_PRICES.trainingPerMillionTokens;
      expect(tokens).toBeCloseTo(Math.round(tokens), 3);
    }
    const deployed = report.rounds.flatMap((r) => r.deployments ?? []);
    expect(deployed).toHaveLength(trained.length);
    for (const d of deployed) expect(d.cost).toBeCloseTo((d.seconds / 3600) * SIM_PRICES.deploymentPerHour, 9);
    expect(deploymentsTable(trained)).toMatch(/deleted \d{4}-/);
  });

  it('fireworks: cancel during round 2 cancels the running job and deletes every deployment the campaign made', async () => {
    h = await startCampaignHarness({
      label: 'fireworks-cancel',
      configFile: config('fireworks'),
      simConfig: { provider: { kind: 'fireworks', deploymentSeconds: 0.3 }, jobs: { runningSeconds: 3 } },
      configure: (c) => ({ ...c, serving: { ...c.serving, keepDeployments: true } }),
    });
    const sim = h.sim;
    // Round 2's job exists and runs (round 1 trained, was served, and its deployment is kept by keepDeployments).
    await waitFor(async () => sim.provider()!.requests.filter((r) => r.path.endsWith('/supervisedFineTuningJobs')).length >= 2, 'the round-2 fine-tune job', { timeoutMs: 240_000 });
    expect(sim.provider()!.deploymentsCreated).toBeGreaterThanOrEqual(1);
    expect(sim.stats().jobsCancelled).toBe(0);
    await h.handle!.signal(cancelSignal, {});
    const outcome = await h.result();
    expect(outcome.stopReason).toMatch(/cancelled/);
    expect(sim.stats().jobsCancelled).toBe(1);
    expect(sim.provider()!.deployments).toEqual({});
    const { trained } = await candidates(h.name);
    for (const c of trained.filter((m) => m.deployment)) expect(c.deployment!.deletedAt).toEqual(expect.any(String));
    expect((await h.status()).phase).toBe('cancelled');
  });
});
