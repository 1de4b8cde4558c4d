import path from 'node:path';
import type { ResolvedCampaignConfig } from '../../lib/config/load';
import { ModelRegistry } from '../../lib/registry';
import { campaignReport } from '../../lib/report/campaignReport';
import { DirectoryRunStore } from '../../lib/store';
import { repoRoot, startCampaignHarness, useRunsDir, waitFor, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * A 3-round campaign against the sim as a self-hosted vLLM server (issue 21 acceptance): each round's
 * checkpoint is trained by the `local` provider's command and loaded as a runtime LoRA adapter; the server
 * restarts between rounds 1 and 2 (forgetting every adapter), and the campaign loads the served model again on
 * the first model-not-found instead of failing the round. Self-hosted costs no provider bill: the report
 * carries no training or deployment cost (the GPUs are the user's; their price is not the sim's to invent).
 */
const runsDir = useRunsDir();
/** Promotes on any positive point estimate, so round 1's model is (almost always) the one round 2 samples. */
const promoteOnEstimate = (c: ResolvedCampaignConfig): ResolvedCampaignConfig => ({ ...c, evaluation: { ...c.evaluation, confidence: 0.5, minEffect: 0 } });

describe('self-hosted campaign (issue 21 acceptance)', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('selfhosted: 3 rounds with a server restart between rounds 1 and 2; the adapter is loaded again, every round completes', async () => {
    h = await startCampaignHarness({
      label: 'selfhosted-3',
      configFile: path.join(repoRoot, 'tests/fixtures/campaigns/small-selfhosted.yaml'),
      configure: (c): ResolvedCampaignConfig => {
        const sim = c.providers.sim as Extract<ResolvedCampaignConfig['providers'][string], { kind: 'local' }>;
        return promoteOnEstimate({ ...c, providers: { ...c.providers, sim: { ...sim, train: { ...sim.train!, jobsDir: path.join(runsDir, 'local-jobs'), cwd: repoRoot } } } });
      },
      simConfig: { provider: { kind: 'selfhosted' } },
    });
    const sim = h.sim;
    const loads = () => sim.provider()!.requests.filter((r) => r.path === '/v1/load_lora_adapter').length;
    // A trained model is the student (round 1 promoted, or a later round if it did not): restart the server as
    // the next round begins, so that round samples a model the server forgot.
    const atRound2 = await h.waitForStatus((s) => s.round >= 2 && s.currentModel !== s.baseModel, 'a round that samples a trained model', 300_000);
    const before = loads();
    const restart = await fetch(`${sim.baseURL.replace(/\/v1$/, '')}/sim/restart`, { method: 'POST', headers: { authorization: 'Bearer k' } });
    expect(restart.status).toBe(200);
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    expect(outcome.stopReason).not.toMatch(/blocked|failed/);

    const registry = await ModelRegistry.load(new DirectoryRunStore(runsDir), h.name);
    const trained = registry.entries().filter((m) => m.status !== 'base').sort((a, b) => a.round - b.round);
    expect(trained.length).toBeGreaterThanOrEqual(2);
    // Round 2 samples round 1's model, which the restart unloaded: it was loaded again (not failed).
    expect(atRound2.currentModel).not.toBe(atRound2.baseModel);
    const afterRestart = sim.provider()!.requests.filter((r) => r.path === '/v1/load_lora_adapter').slice(before);
    expect(afterRestart.map((r) => r.body.lora_name)).toContain(atRound2.currentModel);
    expect(loads()).toBeGreaterThan(before);
    // Superseded adapters are unloaded: at most the current model stays loaded.
    const current = outcome.finalModel;
    expect(Object.keys(sim.provider()!.deployments)).toEqual(current === registry.base()!.modelId ? [] : [current]);
    const report = await campaignReport(new DirectoryRunStore(runsDir), h.name);
    expect(report.totals.trainingCost ?? 0).toBe(0);
    expect(report.totals.deploymentCost ?? 0).toBe(0);
  });
});
