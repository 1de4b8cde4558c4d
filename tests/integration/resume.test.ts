import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { SampleLedger } from '../../lib/ledger';
import { campaignReport } from '../../lib/report/campaignReport';
import { DirectoryRunStore } from '../../lib/store';
import type { SimStats } from '../../sim';
import { keepConfigCopy } from '../../cli/commands/start';
import { campaignWorkflowId, type campaignWorkflow } from '../../workflows/campaign';
import { roundStatusQuery } from '../../workflows/messages';
import { roundWorkflowId } from '../../workflows/round';
import { repoRoot, startCampaignHarness, useRunsDir, waitFor, type CampaignHarness } from '../helpers/campaignHarness';
import { ledgerDir, ledgerRecordsByKeyOf } from '../helpers/ledgerChecks';
import { describeUnless } from '../helpers/skip';
import { freshDatabase, postgresUnavailable } from '../helpers/testPostgres';
import { recordHistory } from '../helpers/recordHistory';
import { testServerAddress } from '../helpers/temporal';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

/**
 * Issue 5 acceptance: after `temporal workflow terminate`, `strawberry resume <name>` continues from the last
 * completed round, completes, and does not sample again what the ledger holds.
 */
const runsDir = useRunsDir();
const run = promisify(execFile);

/** Chat completions between two snapshots of the sim's stats. */
const completionsBetween = (a: SimStats, b: SimStats) => b.chatCompletions - a.chatCompletions;

async function roundPhase(client: Client, name: string, round: number): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(roundWorkflowId(name, round)).query(roundStatusQuery)).phase;
  } catch {
    return undefined; // not started yet
  }
}

/** Workflow ids of the child workflows a run started, in order. */
async function childrenStartedBy(client: Client, workflowId: string, runId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).flatMap((e) => (e.startChildWorkflowExecutionInitiatedEventAttributes ? [e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId ?? ''] : []));
}

/**
 * The whole loop on both ledgers: the embedded SQLite one, and PostgreSQL (scripts/postgres-up.sh, a fresh database)
 * chosen the way a deployment chooses it, STRAWBERRY_LEDGER in the environment of the worker and of `resume`.
 */
const pgWhy = postgresUnavailable();
describe.each([
  { ledger: 'sqlite', unavailable: undefined },
  { ledger: 'postgres', unavailable: pgWhy },
])('strawberry resume after terminate ($ledger ledger)', ({ ledger, unavailable }) => describeUnless(unavailable)('campaign', () => {
  let h: CampaignHarness | undefined;
  let db: { url: string; drop: () => Promise<void> } | undefined;
  const savedLedgerEnv = process.env.STRAWBERRY_LEDGER;
  beforeAll(async () => {
    if (ledger !== 'postgres') return;
    db = await freshDatabase('resume');
    process.env.STRAWBERRY_LEDGER = db.url;
  });
  afterAll(async () => {
    if (savedLedgerEnv === undefined) delete process.env.STRAWBERRY_LEDGER;
    else process.env.STRAWBERRY_LEDGER = savedLedgerEnv;
    await db?.drop();
  });
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await h?.teardown();
    h = undefined;
  });

  it('continues from round 2, completes, and draws no sample the ledger holds', async () => {
    h = await startCampaignHarness({ label: 'resume', worker: 'none', start: false, simConfig: { faults: { latencyMs: 10 } } });
    const { client, name, campaignDir } = h;
    const worker = spawnWorkerProcess({ taskQueue: h.taskQueue, runsDir, env: { STRAWBERRY_SIM_KEY: process.env.STRAWBERRY_SIM_KEY }, client });
    workers.push(worker);
    await worker.ready;
    // As `strawberry start` does: the resolved config is kept in the run store for `resume`.
    await keepConfigCopy(new DirectoryRunStore(runsDir), h.config);
    await h.start();
    const started = Date.now();

    // Round 1 completed; round 2 has drawn its estimation samples and traces and is at its fine-tune or later.
    await waitFor(() => existsSync(path.join(campaignDir, 'round-1', 'summary.json')), 'round 1 summary.json', { timeoutMs: 120_000, intervalMs: 25 });
    const atRound1 = h.sim.stats();
    let phase: string | undefined;
    await waitFor(async () => ['fine-tune', 'register', 'evaluate', 'decide'].includes((phase = await roundPhase(client, name, 2)) ?? ''), 'round 2 past its sampling', {
      timeoutMs: 120_000,
      intervalMs: 100,
      describe: () => `phase ${phase}`,
    });
    await h.handle!.terminate('test: terminated mid-round 2');
    const terminatedAt = Date.now();
    const atTerminate = h.sim.stats();
    const ledgerBefore = await ledgerRecordsByKeyOf(campaignDir, name);
    expect(existsSync(path.join(campaignDir, 'round-2', 'summary.json'))).toBe(false);

    const resumed = await run(process.execPath, [path.join(repoRoot, 'bin/strawberry.js'), 'resume', name], {
      cwd: repoRoot,
      env: { ...process.env, TEMPORAL_ADDRESS: testServerAddress(), TEMPORAL_NAMESPACE: 'default', STRAWBERRY_RUNS_DIR: runsDir },
    });
    expect(resumed.stdout).toMatch(/round 2/);
    const handle = client.workflow.getHandle<typeof campaignWorkflow>(campaignWorkflowId(name));
    const resumedRun = (await handle.describe()).runId;
    expect(resumedRun).not.toBe(h.handle!.firstExecutionRunId);
    const outcome = await handle.result();
    const atEnd = h.sim.stats();
    const ledgerAfter = await ledgerRecordsByKeyOf(campaignDir, name);

    const round2First = completionsBetween(atRound1, atTerminate);
    const resumedRunCompletions = completionsBetween(atTerminate, atEnd);
    process.stderr.write(
      `resume: round 1 took ${atRound1.chatCompletions} chat completions; round 2 took ${round2First} before terminate (phase ${phase}, ${terminatedAt - started} ms in); ` +
        `(${ledger} ledger) the resumed run took ${resumedRunCompletions} and ${Date.now() - terminatedAt} ms; ledger ${ledgerBefore.size} -> ${ledgerAfter.size} records; jobs ${atEnd.jobsCreated}\n`,
    );

    // The resumed run started at round 2: its first child is round 2, and round 1 ran once only.
    expect((await childrenStartedBy(client, campaignWorkflowId(name), resumedRun))[0]).toBe(roundWorkflowId(name, 2));
    const round1Runs: string[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId='${roundWorkflowId(name, 1)}'` })) round1Runs.push(wf.runId);
    expect(round1Runs).toHaveLength(1);
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2]);

    // Nothing the ledger held was drawn or written again: every record is still there, byte for byte.
    const changed = [...ledgerBefore].filter(([k, line]) => ledgerAfter.get(k) !== line).map(([k]) => k);
    expect(changed).toEqual([]);
    if (ledger === 'sqlite') expect((await SampleLedger.open(ledgerDir(campaignDir))).stats.duplicates).toBe(0);
    // The ledger lives where it was told: no SQLite database in the run store beside a PostgreSQL one.
    else {
      expect(existsSync(path.join(ledgerDir(campaignDir), 'ledger.sqlite'))).toBe(false);
      // ... and the registry beside it (rows in PostgreSQL, no registry.json in the run store).
      expect(existsSync(path.join(campaignDir, 'registry.json'))).toBe(false);
    }
    expect(ledgerBefore.size).toBeGreaterThan(0);
    // `report` reads token usage from the same ledger: every record, by round.
    const report = await campaignReport(new DirectoryRunStore(runsDir), name);
    expect(report.totals.samples).toBe(ledgerAfter.size);
    expect(report.rounds.map((r) => r.tokens.length > 0)).toEqual([true, true]);
    // Round 2's estimation samples and traces came from the ledger: the resumed run needed fewer chat
    // completions than round 2 had drawn before the terminate (re-drawing them would need at least as many).
    expect(resumedRunCompletions).toBeLessThan(round2First);
    // One fine-tune job per trained round, the terminated round's job adopted, not created twice.
    const trained = outcome.rounds.filter((r) => r.outcome === 'promoted' || r.outcome === 'rejected');
    expect(atEnd.jobsCreated).toBe(trained.length);
    if (ledger === 'sqlite') {
      await recordHistory(client, 'campaign-resumed.json', campaignWorkflowId(name), resumedRun);
      await recordHistory(client, 'round-2-resumed.json', roundWorkflowId(name, 2));
    }
  }, 300_000);
}));
