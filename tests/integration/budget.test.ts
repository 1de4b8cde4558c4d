import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedCampaignConfig } from '../../lib/config/load';
import { campaignReport } from '../../lib/report/campaignReport';
import { DirectoryRunStore } from '../../lib/store';
import { runCli } from '../helpers/cli';
import { recordHistory } from '../helpers/recordHistory';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * Tokens are priced with the config's price table; a campaign budget smaller than two rounds stops the campaign
 * `blocked` with reason "budget" before round 2's estimation spends (its estimate comes from the samples drawn).
 */
const runsDir = useRunsDir();
const prices = { sim: { '*': { inputPerMillion: 1, outputPerMillion: 2, trainingPerMillion: 1 } } };

describe('budget', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('blocks with reason "budget" before round 2 estimation would exceed the campaign budget', async () => {
    // One round, to learn what a round costs here.
    h = await startCampaignHarness({ label: 'cost', configure: (c): ResolvedCampaignConfig => ({ ...c, prices, stopping: { ...c.stopping, maxRounds: 1 } }) });
    await h.result();
    const one = await campaignReport(new DirectoryRunStore(runsDir), h.name);
    const roundCost = one.totals.cost!;
    expect(roundCost).toBeGreaterThan(0);
    expect(one.rounds[0]!.tokens.every((t) => t.cost !== undefined && t.promptTokens > 0)).toBe(true);
    // The fine-tune job's trained tokens (the sim reports `trained_tokens` like OpenAI), priced and in the round's cost.
    const training = one.rounds[0]!.training ?? [];
    expect(training).toHaveLength(1);
    expect(training[0]!.trainedTokens).toBeGreaterThan(0);
    expect(training[0]!.cost).toBeCloseTo(training[0]!.trainedTokens! / 1e6);
    expect(one.totals.trainingCost).toBeCloseTo(training[0]!.cost!);
    expect(one.rounds[0]!.cost).toBeCloseTo(one.rounds[0]!.tokens.reduce((s, t) => s + t.cost!, 0) + training[0]!.cost!);
    await h.teardown();

    const budget = roundCost * 1.3;
    h = await startCampaignHarness({ label: 'budget', configure: (c): ResolvedCampaignConfig => ({ ...c, prices, budget: { perCampaign: budget } }) });
    const s = await h.waitForStatus((st) => st.phase === 'blocked', 'the campaign blocked', 180_000);
    expect(s.round).toBe(2);
    expect(s.summaries.map((r) => r.round)).toEqual([1]);
    expect(s.blockedReason).toMatch(/^budget: the campaign spent [\d.]+ and round 2's estimate phase would add about [\d.]+/);
    // Nothing of round 2's estimation was drawn.
    const ledger = path.join(runsDir, h.name, 'ledger');
    expect(existsSync(ledger) && readdirSync(ledger).some((f) => f.startsWith('estimate-r2'))).toBe(false);
    const report = await campaignReport(new DirectoryRunStore(runsDir), h.name);
    expect(report.totals.cost!).toBeLessThanOrEqual(budget);
    // The campaign's run that holds round 2 (after continue-as-new), blocked by the budget.
    await recordHistory(h.client, 'campaign-budget-stop.json', `campaign/${h.name}`);

    // Tokens and cost in `report` and `models` (read from the run store).
    const env = { ...process.env, STRAWBERRY_RUNS_DIR: runsDir };
    const rep = runCli(['report', h.name], { env });
    expect(rep.status).toBe(0);
    expect(rep.stdout).toMatch(/Tokens and cost:/);
    expect(rep.stdout).toMatch(/^1\s+estimate\s+sim-student\s+\d+\s+\d+\s+\d+\s+0\.\d+$/m);
    expect(rep.stdout).toMatch(/Total: \d+ prompt \+ \d+ completion tokens in \d+ samples, \d+ trained tokens \(0\.\d\d\), cost 0\.\d\d/);
    expect(rep.stdout).toMatch(/Fine-tuning:/);
    const models = runCli(['models', h.name], { env });
    expect(models.status).toBe(0);
    expect(models.stdout).toMatch(/Tokens by model/);
    expect(models.stdout).toMatch(/Fine-tuning by model/);
    expect(models.stdout).toMatch(/^1\s+all\s+sim-student\s+\d+\s+\d+\s+\d+\s+0\.\d+$/m);
  });

  it('blocks before the fine-tune phase when the estimated training cost would exceed the round budget', async () => {
    // Chat tokens cost next to nothing here; training is priced so that the dataset alone is over the limit.
    const dear = { sim: { '*': { inputPerMillion: 0.001, outputPerMillion: 0.001, trainingPerMillion: 1e6 } } };
    h = await startCampaignHarness({ label: 'budget-ft', configure: (c): ResolvedCampaignConfig => ({ ...c, prices: dear, budget: { perRound: 10 } }) });
    const s = await h.waitForStatus((st) => st.phase === 'blocked', 'the campaign blocked', 180_000);
    expect(s.round).toBe(1);
    expect(s.blockedReason).toMatch(/^budget: this round spent [\d.]+ and round 1's fine-tune phase would add about [\d.]+ \(about \d+ training tokens\)/);
    // No job was created.
    expect(existsSync(path.join(runsDir, h.name, 'round-1', 'fine-tune-a1', 'intent.json'))).toBe(false);
  });
});
