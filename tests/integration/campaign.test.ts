import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { RoundInput } from '../../lib/campaign/types';
import { loadStoredConfig } from '../../lib/config/configStore';
import { ModelRegistry } from '../../lib/registry';
import { DirectoryRunStore } from '../../lib/store';
import { campaignWorkflowId } from '../../workflows/campaign';
import { configureUpdate, pauseSignal, unpauseSignal } from '../../workflows/messages';
import { roundWorkflowId } from '../../workflows/round';
import { recordHistory } from '../helpers/recordHistory';
import { startCampaignHarness, useRunsDir, waitFor, type CampaignHarness } from '../helpers/campaignHarness';
import { describeErrors, loadOpenAISchema } from '../helpers/openapiSchemas';

/**
 * Durable campaigns end to end on the real dev server and the sim (issue 5 acceptance): a 2-round campaign,
 * pause/unpause, the `configure` update. STRAWBERRY_RECORD_HISTORIES=1 also records replay fixtures.
 */
const runsDir = useRunsDir();
const historiesDir = path.join(__dirname, '../fixtures/histories');

/** Every execution (all runs of the campaign, its rounds) whose Campaign search attribute is `name`. */
async function executionsOf(client: Client, name: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const wf of client.workflow.list({ query: `Campaign='${name}'` })) out.push(wf);
  return out;
}

/** The input a round workflow was started with (first event of its history). */
async function roundInputOf(client: Client, name: string, round: number): Promise<RoundInput> {
  const history = await client.workflow.getHandle(roundWorkflowId(name, round)).fetchHistory();
  const data = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!;
  return JSON.parse(Buffer.from(data).toString('utf8')) as RoundInput;
}

describe('a durable campaign on Temporal and the sim', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('runs 2 rounds: lineage with evaluations, valid datasets, one job per trained round, visible by Campaign', async () => {
    h = await startCampaignHarness({ label: 'two-rounds' });
    const outcome = await h.result();
    const name = h.name;

    expect(outcome.name).toBe(name);
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(outcome.stopReason).toMatch(/\S/);
    const trained = outcome.rounds.filter((r) => r.outcome === 'promoted' || r.outcome === 'rejected');
    expect(trained.length).toBeGreaterThan(0);

    // Registry: base -> the promoted rounds' models, in round order, each evaluated and fine-tuned from its parent.
    const registry = await ModelRegistry.load(new DirectoryRunStore(runsDir), name);
    const lineage = registry.lineage();
    expect(lineage[0]).toMatchObject({ status: 'base', modelId: 'sim-student', round: 0 });
    const promoted = outcome.rounds.filter((r) => r.promoted);
    expect(lineage.slice(1).map((m) => [m.round, m.modelId, m.status])).toEqual(promoted.map((r) => [r.round, r.model, 'promoted']));
    for (let i = 1; i < lineage.length; i++) {
      expect(lineage[i]!.parent).toBe(lineage[i - 1]!.modelId);
      expect(Object.keys(lineage[i]!.evaluation ?? {}).length).toBeGreaterThan(0);
      expect(lineage[i]!.jobId).toMatch(/^ftjob/);
    }
    expect(Object.keys(lineage[0]!.evaluation ?? {}).length).toBeGreaterThan(0);
    expect(outcome.finalModel).toBe(lineage[lineage.length - 1]!.modelId);
    for (const r of trained) {
      const entry = registry.entries().find((m) => m.round === r.round && m.status !== 'base');
      expect(entry).toMatchObject({ modelId: r.model, status: r.promoted ? 'promoted' : 'rejected' });
    }

    // Every dataset line is a valid OpenAI chat fine-tuning line.
    const line = loadOpenAISchema('FineTuneChatRequestInput');
    for (const r of trained) {
      const file = path.join(runsDir, name, `round-${r.round}`, 'dataset.jsonl');
      const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
      expect(lines.length).toBe(r.datasetExamples);
      lines.forEach((text, i) => {
        if (!line(JSON.parse(text))) throw new Error(`${file}:${i + 1} is not a FineTuneChatRequestInput:\n${describeErrors(line)}`);
      });
    }

    // Exactly one fine-tune job per round that trained.
    expect(h.sim.stats().jobsCreated).toBe(trained.length);

    // Visibility: the campaign (every continue-as-new run) and its rounds, by the Campaign search attribute.
    const client = h.client;
    let found: WorkflowExecutionInfo[] = [];
    const roundIds = outcome.rounds.map((r) => roundWorkflowId(name, r.round));
    await waitFor(
      async () => {
        found = await executionsOf(client, name);
        const ids = new Set(found.map((w) => w.workflowId));
        return ids.has(campaignWorkflowId(name)) && roundIds.every((id) => ids.has(id)) && found.every((w) => w.status.name !== 'RUNNING');
      },
      `visibility of campaign ${name} and its rounds`,
      { timeoutMs: 30_000, describe: () => JSON.stringify(found.map((w) => [w.workflowId, w.status.name])) },
    );
    expect(roundIds).toEqual([`campaign/${name}/round/1`, `campaign/${name}/round/2`]);
    expect(new Set(found.map((w) => w.workflowId))).toEqual(new Set([campaignWorkflowId(name), ...roundIds]));
    const campaignRuns = found.filter((w) => w.workflowId === campaignWorkflowId(name));
    expect(campaignRuns.filter((w) => w.status.name === 'CONTINUED_AS_NEW').length).toBe(2);
    expect(campaignRuns.filter((w) => w.status.name === 'COMPLETED').length).toBe(1);
    for (const r of found.filter((w) => w.workflowId !== campaignWorkflowId(name))) expect(r.status.name).toBe('COMPLETED');

    if (process.env.STRAWBERRY_RECORD_HISTORIES === '1') {
      // The first campaign run: init, round 1 as a child, continue-as-new.
      const first = campaignRuns.reduce((a, b) => (a.startTime <= b.startTime ? a : b));
      const campaignHistory = await client.workflow.getHandle(first.workflowId, first.runId).fetchHistory();
      writeFileSync(path.join(historiesDir, 'campaign-2rounds.json'), historyToJSON(campaignHistory));
      const round1History = await client.workflow.getHandle(roundWorkflowId(name, 1)).fetchHistory();
      writeFileSync(path.join(historiesDir, 'round-1.json'), historyToJSON(round1History));
    }
  });

  it('pause holds the campaign where it is; unpause lets it complete', async () => {
    h = await startCampaignHarness({ label: 'pause' });
    await h.handle!.signal(pauseSignal);
    const paused = await h.waitForStatus((s) => s.paused, 'the campaign to report paused');
    expect(paused.paused).toBe(true);

    // While paused nothing moves: the same round, phase and summaries a moment later.
    await new Promise((r) => setTimeout(r, 2500));
    const later = await h.status();
    expect(later).toMatchObject({ paused: true, round: paused.round, phase: paused.phase });
    expect(later.summaries.length).toBe(paused.summaries.length);
    expect(later.summaries.length).toBeLessThan(2);
    // Paused before round 1 started (the usual case): no round workflow, no round directory.
    if (paused.phase === 'paused' && paused.round === 1) {
      expect(existsSync(path.join(runsDir, h.name, 'round-1'))).toBe(false);
    }

    await h.handle!.signal(unpauseSignal);
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2]);
    expect((await h.status()).paused).toBe(false);
    await recordHistory(h.client, 'campaign-pause.json', campaignWorkflowId(h.name), h.handle!.firstExecutionRunId);
  });

  it('the configure update rejects an inverted band and applies estimationK to the next round', async () => {
    h = await startCampaignHarness({ label: 'configure' });
    expect(h.config.estimation.k).not.toBe(10);
    await h.waitForStatus(() => true, 'the campaign to answer queries');

    let rejected: unknown;
    try {
      await h.handle!.executeUpdate(configureUpdate, { args: [{ band: { min: 0.9, max: 0.1 } }] });
    } catch (err) {
      rejected = err;
    }
    expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((rejected as WorkflowUpdateFailedError).cause?.message)).toMatch(/band/);

    await expect(h.handle!.executeUpdate(configureUpdate, { args: [{ maxProblems: 0 }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);

    // Once round 1 runs (after the round-0 evaluation), so the change reaches only the round after it.
    await h.waitForStatus((s) => s.phase === 'round', 'round 1 to start');
    const accepted = await h.handle!.executeUpdate(configureUpdate, { args: [{ estimationK: 10 }] });
    expect(accepted).toEqual({ estimationK: 10 });

    const moving = await h.waitForStatus((s) => s.summaries.length >= 1 || s.round >= 2, 'the campaign to go on after the update');
    expect(moving.phase).not.toBe('blocked');
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2]);
    // The rejected band left the config alone; the accepted k reached the round started after it.
    // A new stored config version, never an edit in place: round 1 kept the old one.
    const round1 = await roundInputOf(h.client, h.name, 1);
    const round2 = await roundInputOf(h.client, h.name, 2);
    expect(round2.configHash).not.toBe(round1.configHash);
    expect(round2.settings.estimationK).toBe(10);
    expect(round2.settings.band).toEqual(h.config.band.band);
    const store = new DirectoryRunStore(process.env.STRAWBERRY_RUNS_DIR!);
    expect((await loadStoredConfig(store, h.name, round2.configHash)).estimation.k).toBe(10);
    expect((await loadStoredConfig(store, h.name, round1.configHash)).estimation.k).toBe(h.config.estimation.k);
    await recordHistory(h.client, 'campaign-configure.json', campaignWorkflowId(h.name), h.handle!.firstExecutionRunId);
  });
});
