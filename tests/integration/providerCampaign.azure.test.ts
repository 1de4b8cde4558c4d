import path from 'node:path';
import { deploymentsTable } from '../../cli/commands/models';
import type { ResolvedCampaignConfig } from '../../lib/config/load';
import { azureDeploymentNameForKey } from '../../lib/providers/azure';
import { ModelRegistry } from '../../lib/registry';
import { campaignReport } from '../../lib/report/campaignReport';
import { DirectoryRunStore } from '../../lib/store';
import { repoRoot, startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * A 3-round campaign against the sim in Azure OpenAI's shape on the real dev server: the v1 data plane under
 * /openai/v1 with an api-key header; each upload stays pending for a while and a job is created only once it
 * is processed (row 14); each candidate serves through its own control-plane deployment (the sim refuses a
 * fine-tune without one), named by its business key; superseded deployments are deleted, so one is left;
 * costs in dollars from the sim's price table (training: trained_tokens; hosting: the hours a deployment existed).
 */
const runsDir = useRunsDir();
const SIM_PRICES = { trainingPerMillionTokens: 3, deploymentPerHour: 2.4 };

const promoteOnEstimate = (c: ResolvedCampaignConfig): ResolvedCampaignConfig => ({ ...c, evaluation: { ...c.evaluation, confidence: 0.5 } });

/** Points the `azure` provider at the running sim: data plane at <root>/openai/v1, control plane at <root>. */
function atSim(c: ResolvedCampaignConfig): ResolvedCampaignConfig {
  const root = process.env.STRAWBERRY_SIM_URL!.replace(/\/v1$/, '');
  const p = c.providers.sim!;
  if (p.kind !== 'azure') throw new Error('small-azure.yaml: expected an azure provider');
  return { ...c, providers: { ...c.providers, sim: { ...p, baseURL: `${root}/openai/v1`, deployments: { ...p.deployments, managementURL: root } } } };
}

describe('azure campaign (issue 21 acceptance)', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('azure: 3 rounds, jobs only on processed files, one deployment per candidate and one left, costs in dollars from the sim price table', async () => {
    const prices = { sim: { '*': { inputPerMillion: 0, outputPerMillion: 0, trainingPerMillion: SIM_PRICES.trainingPerMillionTokens, deploymentPerHour: SIM_PRICES.deploymentPerHour } } };
    h = await startCampaignHarness({
      label: 'azure-3',
      configFile: path.join(repoRoot, 'tests/fixtures/campaigns/small-azure.yaml'),
      configure: (c) => promoteOnEstimate(atSim({ ...c, prices })),
      simConfig: { provider: { kind: 'azure', deploymentSeconds: 0.3, fileProcessingSeconds: 0.5, prices: SIM_PRICES } },
    });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    const registry = await ModelRegistry.load(new DirectoryRunStore(runsDir), h.name);
    const trained = registry.entries().filter((m) => m.status !== 'base').sort((a, b) => a.round - b.round);
    const base = registry.base()!.modelId;
    const view = h.sim.provider()!;
    // One job per candidate, none refused (each waited for its file to be processed), continuing from the parent.
    const creates = view.requests.filter((r) => r.path === '/openai/v1/fine_tuning/jobs');
    expect(creates).toHaveLength(trained.length);
    trained.forEach((c, i) => expect(creates[i]!.body.model).toBe(c.parent));
    expect(trained.some((c) => c.parent !== base)).toBe(true);
    // Each candidate served through its own deployment, named by the serve key, and evaluated through it.
    for (const c of trained) {
      expect(c.deployment).toMatchObject({ provider: 'azure', id: azureDeploymentNameForKey(`${h.name}-r${c.round}-a1-serve`) });
      expect(Object.keys(c.evaluation ?? {}).length).toBeGreaterThan(0);
    }
    const puts = view.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => (r.body as { properties: { model: { name: string } } }).properties.model.name)).toEqual(trained.map((c) => c.modelId));
    expect(view.deploymentsCreated).toBe(trained.length);
    // Only the current model's deployment is left billing its hourly fee.
    const current = outcome.finalModel;
    expect(Object.values(view.deployments)).toEqual(current === base ? [] : [current]);
    expect(view.deploymentsDeleted).toBe(view.deploymentsCreated - (current === base ? 0 : 1));

    const report = await campaignReport(new DirectoryRunStore(runsDir), h.name);
    const training = report.rounds.flatMap((r) => r.training ?? []);
    expect(training).toHaveLength(trained.length);
    for (const t of training) {
      expect(t.trainedTokens).toBeGreaterThan(0);
      expect(t.cost).toBeCloseTo((t.trainedTokens! * SIM_PRICES.trainingPerMillionTokens) / 1e6, 9);
    }
    const deployed = report.rounds.flatMap((r) => r.deployments ?? []);
    expect(deployed.map((d) => d.id).sort()).toEqual(trained.map((c) => c.deployment!.id).sort());
    for (const d of deployed) expect(d.cost).toBeCloseTo((d.seconds / 3600) * SIM_PRICES.deploymentPerHour, 9);
    expect(deploymentsTable(trained)).toMatch(/deleted \d{4}-/);
  });
});
