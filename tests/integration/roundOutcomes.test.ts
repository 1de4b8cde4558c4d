import type { ResolvedCampaignConfig } from '../../lib/config/load';
import { roundWorkflowId } from '../../workflows/round';
import { recordHistory } from '../helpers/recordHistory';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

/** Rounds that end without a promotion: the decision's two other branches, each recorded for replay. */
describe('rounds that promote nothing', () => {
  useRunsDir();
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('a candidate that learned nothing is rejected on paired evidence, and the parent stays', async () => {
    const oneRound = (c: ResolvedCampaignConfig): ResolvedCampaignConfig => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 } });
    h = await startCampaignHarness({ label: 'rejected', simConfig: { training: { maxGainPerJob: 0, wrongPenalty: 0, forgetting: 0 } }, configure: oneRound });
    const outcome = await h.result();
    expect(outcome.rounds).toHaveLength(1);
    expect(outcome.rounds[0]).toMatchObject({ outcome: 'rejected', promoted: false });
    expect(outcome.finalModel).toBe(h.config.student.baseModel);
    await recordHistory(h.client, 'round-rejected.json', roundWorkflowId(h.name, 1));
  });

  it('a frontier the student cannot solve at all has no band: the round trains nothing and says so', async () => {
    const topLevel = (c: ResolvedCampaignConfig): ResolvedCampaignConfig => ({ ...c, startLevel: 6, stopping: { ...c.stopping, maxRounds: 1 } });
    h = await startCampaignHarness({ label: 'band-empty', configure: topLevel });
    const outcome = await h.result();
    expect(outcome.rounds).toHaveLength(1);
    expect(outcome.rounds[0]).toMatchObject({ outcome: 'band-empty', promoted: false, inBand: 0, datasetExamples: 0 });
    expect(outcome.rounds[0]!.note).toMatch(/no problem in band/);
    await recordHistory(h.client, 'round-band-empty.json', roundWorkflowId(h.name, 1));
  });
});
