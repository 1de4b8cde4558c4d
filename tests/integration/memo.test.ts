import type { WorkflowExecutionInfo } from '@temporalio/client';
import { campaignWorkflowId } from '../../workflows/campaign';
import { roundWorkflowId } from '../../workflows/round';
import { RoundKey } from '../../workflows/searchAttributes';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * What the Web UI shows with no worker running: every run of the campaign carries its summary and round table in
 * the memo (kept by the server, carried through continue-as-new), and each round's memo says what it did.
 */
useRunsDir();

describe('Web UI details without a worker (memo)', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('campaign and round memos hold the round table after the worker is gone', async () => {
    h = await startCampaignHarness({ label: 'memo' });
    const outcome = await h.result();
    expect(outcome.rounds.length).toBe(2);
    await h.stopWorker();

    // The latest run: stopped, its Round is the last round run (not 3), its memo holds the table.
    const d = await h.client.workflow.getHandle(campaignWorkflowId(h.name)).describe();
    expect(d.typedSearchAttributes.get(RoundKey)).toBe(2);
    const memo = d.memo as { summary: string; details: string };
    expect(JSON.stringify(memo).length).toBeLessThan(2048);
    expect(memo.summary).toMatch(/stopped/);
    expect(memo.summary).toMatch(/2 of at most 2 rounds done/);
    expect(memo.details).toMatch(/\| round \| frontier \| candidates \| in band \| traces kept \| examples \| model \| outcome \| held-out accuracy \|/);
    for (const r of outcome.rounds) expect(memo.details).toMatch(new RegExp(`^\\| ${r.round} \\| ${r.frontier} \\| ${r.candidates} \\| ${r.inBand} \\| ${r.tracesKept} \\|`, 'm'));
    expect(memo.details).not.toMatch(/round 3/);

    // Every run of the campaign (continue-as-new) shows a summary; the later ones carry the earlier rounds.
    const runs: WorkflowExecutionInfo[] = [];
    for await (const wf of h.client.workflow.list({ query: `WorkflowId = '${campaignWorkflowId(h.name)}'` })) runs.push(wf);
    expect(runs.length).toBe(3);
    for (const run of runs) expect((run.memo as { summary?: string } | undefined)?.summary).toMatch(new RegExp(`campaign ${h.name}`));

    // Each round: phase done, the decision and its row of the table.
    for (const r of outcome.rounds) {
      const rd = await h.client.workflow.getHandle(roundWorkflowId(h.name, r.round)).describe();
      expect(JSON.stringify(rd.memo).length).toBeLessThan(2048);
      const rm = rd.memo as { details: string; round: { phase: string; outcome: string } };
      expect(rm.round).toMatchObject({ phase: 'done', outcome: r.outcome });
      expect(rm.details).toMatch(new RegExp(`^\\| ${r.round} \\| ${r.frontier} \\|.*\\| ${r.outcome} \\|`, 'm'));
    }
  });
});
