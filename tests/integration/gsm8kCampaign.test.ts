import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelRegistry } from '../../lib/registry';
import { DirectoryRunStore } from '../../lib/store';
import { repoRoot, startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

// The real GSM8K train split, read from the shared data directory (never copied into the repo).
const dataDir = path.resolve(repoRoot, '..', 'shared', 'data');

describe('a GSM8K campaign against the sim (config/gsm8k-sim.yaml)', () => {
  let h: CampaignHarness | undefined;
  afterAll(async () => h?.teardown());

  it('runs 2 rounds on real GSM8K problems', async () => {
    if (!existsSync(path.join(dataDir, 'gsm8k/train.jsonl'))) throw new Error(`GSM8K data missing: ${dataDir}/gsm8k/train.jsonl`);
    process.env.STRAWBERRY_DATA = dataDir;
    useRunsDir();
    h = await startCampaignHarness({ label: 'gsm8k', configFile: path.join(repoRoot, 'config/gsm8k-sim.yaml') });
    const outcome = await h.result();

    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(outcome.stopReason).toMatch(/maxRounds/);
    for (const r of outcome.rounds) {
      expect(r.candidates).toBeGreaterThan(0);
      expect(r.inBand).toBeGreaterThan(0);
    }
    // Every trained round produced a dataset of real GSM8K questions and a registered candidate.
    const trained = outcome.rounds.filter((r) => r.outcome === 'promoted' || r.outcome === 'rejected');
    expect(trained.length).toBeGreaterThan(0);
    const gsm8kQuestions = new Set(
      readFileSync(path.join(dataDir, 'gsm8k/train.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { question: string }).question),
    );
    for (const r of trained) {
      const lines = readFileSync(path.join(h.campaignDir, `round-${r.round}/dataset.jsonl`), 'utf8').split('\n').filter(Boolean);
      const first = JSON.parse(lines[0]!) as { messages: { role: string; content: string }[] };
      const question = first.messages.find((m) => m.role === 'user')!.content.replace(/^Problem:\n/, '');
      expect(gsm8kQuestions.has(question)).toBe(true);
    }
    const registry = await ModelRegistry.load(new DirectoryRunStore(h.runsDir), h.name);
    expect(registry.entries().filter((m) => m.round > 0)).toHaveLength(trained.length);
    expect(registry.base()?.evaluation).toBeDefined();
  });
});
