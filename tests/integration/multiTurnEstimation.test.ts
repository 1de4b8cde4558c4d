import { readFileSync } from 'node:fs';
import path from 'node:path';
import { collectRecords, SampleLedger } from '../../lib/ledger';
import type { TraceRecord } from '../../lib/traces';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';
import { ledgerDir } from '../helpers/ledgerChecks';

/**
 * With `estimation.style: multi-turn` the estimation samples are full traces, and the correct ones are reused
 * as training traces: the trace step then generates only what is missing up to `traces.perProblem`.
 */
useRunsDir();

describe('multi-turn estimation', () => {
  let h: CampaignHarness | undefined;
  afterAll(async () => h?.teardown());

  it('reuses correct estimation traces as training traces', async () => {
    h = await startCampaignHarness({
      label: 'mt-estimate',
      configure: (c) => ({
        ...c,
        estimation: { ...c.estimation, style: 'multi-turn', mode: 'fixed', k: 6, batchSize: 3 },
        band: { ...c.band, maxProblems: 12 },
        stopping: { ...c.stopping, maxRounds: 1 },
      }),
    });
    const outcome = await h.result();
    expect(outcome.rounds).toHaveLength(1);

    const ledger = await SampleLedger.open(ledgerDir(h.campaignDir));
    const estimates = await collectRecords(ledger.records({ purpose: 'estimate' }));
    expect(estimates.length).toBeGreaterThan(0);
    // Estimation samples are whole multi-turn traces, kept in the ledger for reuse.
    expect(estimates.every((r) => r.trace?.style === 'multi-turn')).toBe(true);

    const traces = readFileSync(path.join(h.campaignDir, 'round-1/traces/shard-0.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TraceRecord);
    const generated = (await collectRecords(ledger.records({ purpose: 'trace' }))).length;
    const reused = traces.length - generated;
    expect(reused).toBeGreaterThan(0);
    // Every reused trace is a correct estimation sample of the same problem and model.
    const correctEstimates = new Set(estimates.filter((r) => r.grade.correct).map((r) => `${r.problemId}#${r.sampleIndex}`));
    const fromEstimation = traces.filter((t) => correctEstimates.has(`${t.problemId}#${t.sampleIndex}`) && t.grade.correct);
    expect(fromEstimation.length).toBeGreaterThanOrEqual(reused);
  });
});
