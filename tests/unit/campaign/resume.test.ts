import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildResumeInput, campaignConfigPath, type RoundSummaryFile } from '../../../lib/campaign/resume';
import type { RoundSummary } from '../../../lib/campaign/types';
import { loadCampaignConfig, type ResolvedCampaignConfig } from '../../../lib/config/load';
import { UserError } from '../../../lib/errors';
import { DirectoryRunStore } from '../../../lib/store';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function demoConfig(name: string): Promise<ResolvedCampaignConfig> {
  return loadCampaignConfig(path.join(repoRoot, 'config/demo.yaml'), { STRAWBERRY_SIM_URL: 'http://127.0.0.1:9/v1' }).then((c) => ({ ...c, name }));
}

function summaryFile(round: number, promoted: boolean, frontier: number, model: string): RoundSummaryFile {
  const summary: RoundSummary = {
    round,
    frontier,
    candidates: 40,
    inBand: 12,
    tracesKept: 30,
    datasetExamples: 30,
    model: `ft:r${round}`,
    promoted,
    evaluation: { 0: { accuracy: 0.9, correct: 9, n: 10 } },
    outcome: promoted ? 'promoted' : 'rejected',
    note: '',
  };
  return { status: 'completed', summary, nextFrontier: frontier + (promoted ? 1 : 0), currentModel: model, mastered: promoted, levelCount: 7 };
}

function tempStore(): DirectoryRunStore {
  return new DirectoryRunStore(mkdtempSync(path.join(os.tmpdir(), 'strawberry-resume-')));
}

describe('buildResumeInput', () => {
  it('continues after the last completed round, from the stored config and the round summaries', async () => {
    const store = tempStore();
    const config = await demoConfig('c1');
    await store.writeJsonAtomic(campaignConfigPath('c1'), config);
    await store.writeJsonAtomic('c1/round-1/summary.json', summaryFile(1, true, 0, 'ft:r1'));
    await store.writeJsonAtomic('c1/round-2/summary.json', summaryFile(2, false, 1, 'ft:r1'));
    await store.writeJsonAtomic('c1/round-3/summary.json', summaryFile(3, false, 1, 'ft:r1'));
    // Round 4 started but did not complete: its files are there, its summary is not.
    await store.writeJsonAtomic('c1/round-4/band.json', { perLevel: [] });

    const input = await buildResumeInput(store, 'c1');
    expect(input.config).toEqual(config);
    expect(input.state).toMatchObject({
      round: 4,
      frontier: 1,
      levelCount: 7,
      baseModel: 'sim-student',
      currentModel: 'ft:r1',
      roundsWithoutPromotion: 2,
      attempt: 1,
      paused: false,
    });

  });

  it('keeps the tunables changed with configure: the config of the last completed round', async () => {
    const store = tempStore();
    const config = await demoConfig('c-tuned');
    await store.writeJsonAtomic(campaignConfigPath('c-tuned'), config);
    const tuned = { ...config, estimation: { ...config.estimation, k: 10 } };
    await store.writeJsonAtomic('c-tuned/round-1/summary.json', { ...summaryFile(1, true, 0, 'ft:r1'), config: tuned });

    const input = await buildResumeInput(store, 'c-tuned');
    expect(input.config.estimation.k).toBe(10);
    // An explicit --config still wins.
    expect((await buildResumeInput(store, 'c-tuned', config)).config.estimation.k).toBe(config.estimation.k);
  });

  it('orders rounds numerically (round-10 after round-9)', async () => {
    const store = tempStore();
    await store.writeJsonAtomic(campaignConfigPath('c2'), await demoConfig('c2'));
    for (let r = 1; r <= 23; r++) await store.writeJsonAtomic(`c2/round-${r}/summary.json`, summaryFile(r, r === 23, 2, `ft:r${r}`));
    const input = await buildResumeInput(store, 'c2');
    expect(input.state!.round).toBe(24);
    expect(input.state!.currentModel).toBe('ft:r23');
    expect(input.state!.frontier).toBe(3);
    expect(input.state!.roundsWithoutPromotion).toBe(0);

  });

  it('without a completed round the input has no state (the campaign starts at round 1)', async () => {
    const store = tempStore();
    await store.writeJsonAtomic(campaignConfigPath('c3'), await demoConfig('c3'));
    expect(await buildResumeInput(store, 'c3')).toEqual({ config: await demoConfig('c3') });
  });

  it('an explicit config replaces the stored copy and takes the campaign name', async () => {
    const store = tempStore();
    await store.writeJsonAtomic('c4/round-1/summary.json', summaryFile(1, true, 0, 'ft:r1'));
    const other = { ...(await demoConfig('other')), stopping: { maxRounds: 9, maxRoundsWithoutPromotion: 2 } };
    const input = await buildResumeInput(store, 'c4', other);
    expect(input.config.name).toBe('c4');
    expect(input.config.stopping.maxRounds).toBe(9);
    expect(input.state!.round).toBe(2);
  });

  it('without a stored config and without --config it says what to do', async () => {
    const store = tempStore();
    await expect(buildResumeInput(store, 'c5')).rejects.toThrow(UserError);
    await expect(buildResumeInput(store, 'c5')).rejects.toThrow(/c5\/config\.json is not in the run store: pass .*--config/);
  });

  it('a malformed summary names its file', async () => {
    const store = tempStore();
    await store.writeJsonAtomic(campaignConfigPath('c6'), await demoConfig('c6'));
    await store.writeJsonAtomic('c6/round-1/summary.json', { status: 'blocked' });
    await expect(buildResumeInput(store, 'c6')).rejects.toThrow(/c6\/round-1\/summary\.json: not a round summary/);
  });

  it('a stored config of another campaign is refused', async () => {
    const store = tempStore();
    await store.writeJsonAtomic(campaignConfigPath('c7'), await demoConfig('someone-else'));
    await expect(buildResumeInput(store, 'c7')).rejects.toThrow(/c7\/config\.json: not the config of campaign "c7"/);
  });
});
