import path from 'node:path';
import { deploymentsTable } from '../../cli/commands/models';
import type { ResolvedCampaignConfig } from '../../lib/config/load';
import { ModelRegistry } from '../../lib/registry';
import { campaignReport } from '../../lib/report/campaignReport';
import { DirectoryRunStore } from '../../lib/store';
import { repoRoot, startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * A 3-round campaign against the sim in Together's API shape on the real dev server: round 1 names the base
 * `model`, later rounds only `from_checkpoint`; each candidate serves on a dedicated endpoint (the sim refuses
 * a bare fine-tune serverless); superseded endpoints are deleted, so one is left; the recorded costs are in
 * dollars and match the sim's price table (Together reports `total_price` in nanodollars).
 */
const runsDir = useRunsDir();
const SIM_PRICES = { trainingPerMillionTokens: 3, deploymentPerHour: 2.4 };

/** A one-sided 50% bound promotes on the point estimate, so round 2 continues from round 1's model. */
const promoteOnEstimate = (c: ResolvedCampaignConfig): ResolvedCampaignConfig => ({ ...c, evaluation: { ...c.evaluation, confidence: 0.5 } });

describe('together campaign (issue 21 acceptance)', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('together: 3 rounds, from_checkpoint alone after round 1, one dedicated endpoint left, costs in dollars from the sim price table', async () => {
    const prices = { sim: { '*': { inputPerMillion: 0, outputPerMillion: 0, trainingPerMillion: SIM_PRICES.trainingPerMillionTokens, deploymentPerHour: SIM_PRICES.deploymentPerHour } } };
    h = await startCampaignHarness({
      label: 'together-3',
      configFile: path.join(repoRoot, 'tests/fixtures/campaigns/small-together.yaml'),
      // Three epochs (Together's default is one): enough for the sim's student to gain and be promoted.
      configure: (c): ResolvedCampaignConfig => promoteOnEstimate({ ...c, prices, fineTune: { ...c.fineTune, nEpochs: 3 } }),
      simConfig: { provider: { kind: 'together', deploymentSeconds: 0.3, prices: SIM_PRICES } },
    });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    const registry = await ModelRegistry.load(new DirectoryRunStore(runsDir), h.name);
    const trained = registry.entries().filter((m) => m.status !== 'base').sort((a, b) => a.round - b.round);
    const base = registry.base()!.modelId;
    const view = h.sim.provider()!;
    const creates = view.requests.filter((r) => r.path === '/v1/fine-tunes');
    expect(creates).toHaveLength(trained.length);
    trained.forEach((c, i) => {
      const body = creates[i]!.body;
      if (c.parent === base) expect(body).toMatchObject({ model: base, random_seed: c.round });
      else {
        expect(body).toMatchObject({ from_checkpoint: registry.get(c.parent!)!.jobId, random_seed: c.round });
        expect(body).not.toHaveProperty('model');
      }
    });
    expect(trained.some((c) => c.parent !== base)).toBe(true);
    // Every candidate was served on its own endpoint (one per model, none duplicated) and evaluated through it.
    for (const c of trained) {
      expect(c.deployment).toMatchObject({ provider: 'together', id: expect.stringMatching(/^endpoint-/) });
      expect(Object.keys(c.evaluation ?? {}).length).toBeGreaterThan(0);
    }
    expect(view.deploymentsCreated).toBe(trained.length);
    // Only the current model's endpoint is left billing.
    const current = outcome.finalModel;
    expect(Object.values(view.deployments)).toEqual(current === base ? [] : [current]);
    expect(view.deploymentsDeleted).toBe(view.deploymentsCreated - (current === base ? 0 : 1));
    for (const c of trained.filter((m) => m.modelId !== current)) expect(c.deployment).toMatchObject({ deletedAt: expect.any(String), runningSeconds: expect.any(Number) });

    // Costs in dollars: training = trained tokens (dataset tokens x epochs) at the table's price, and Together's
    // own figure (nanodollars converted) says the same; deployments = running hours at the table's price.
    const report = await campaignReport(new DirectoryRunStore(runsDir), h.name);
    const training = report.rounds.flatMap((r) => r.training ?? []);
    expect(training).toHaveLength(trained.length);
    for (const t of training) {
      expect(t.trainedTokens).toBeGreaterThan(0);
      expect(t.cost).toBeCloseTo((t.trainedTokens! * SIM_PRICES.trainingPerMillionTokens) / 1e6, 9);
      expect(t.providerPrice).toBeCloseTo(t.cost!, 9);
    }
    const deployed = report.rounds.flatMap((r) => r.deployments ?? []);
    expect(deployed.map((d) => d.id).sort()).toEqual(trained.map((c) => c.deployment!.id).sort());
    for (const d of deployed) expect(d.cost).toBeCloseTo((d.seconds / 3600) * SIM_PRICES.deploymentPerHour, 9);
    expect(report.totals.trainingCost).toBeCloseTo(training.reduce((s, t) => s + t.cost!, 0), 9);
    // `strawberry models` lists the deployments with their state and running time.
    const shown = deploymentsTable(trained);
    for (const c of trained) expect(shown).toContain(c.deployment!.id);
    expect(shown).toMatch(/deleted \d{4}-/);
  });
});
