import { SampleLedger } from '../../lib/ledger';
import { roundWorkflowId } from '../../workflows/round';
import { startCampaignHarness, useRunsDir, waitFor, type CampaignHarness } from '../helpers/campaignHarness';
import { checkEstimateCoverage, estimateRows, estimateShardFiles, ledgerDir, ledgerLines, roundInputOf } from '../helpers/ledgerChecks';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

/**
 * Issue 5 acceptance: the worker process is killed with SIGKILL in the middle of estimation, a new worker
 * process is started, and the campaign completes with a ledger that holds no duplicate and no missing sample
 * keys, and the sim saw exactly one fine-tune job per trained round.
 */
const runsDir = useRunsDir();

describe('a worker killed mid-estimation', () => {
  let h: CampaignHarness | undefined;
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await h?.teardown();
    h = undefined;
  });

  it('is replaced by a new worker process; the campaign completes with a whole, duplicate-free ledger', async () => {
    h = await startCampaignHarness({
      label: 'crash',
      worker: 'none',
      start: false,
      // Each request takes a while, so estimation lasts long enough to be interrupted.
      simConfig: { faults: { latencyMs: 40 } },
      // A dead worker's shard is retried once its heartbeat times out: seconds here, not the default 2 minutes.
      configure: (c) => ({ ...c, sharding: { ...c.sharding, heartbeatTimeoutSeconds: 5 } }),
    });
    const started = Date.now();
    const env = { STRAWBERRY_SIM_KEY: process.env.STRAWBERRY_SIM_KEY };
    const first = spawnWorkerProcess({ taskQueue: h.taskQueue, runsDir, env, client: h.client });
    workers.push(first);
    await first.ready;
    await h.start();

    // Mid-estimation of round 1: some estimate samples recorded, not every shard's estimates written yet.
    const campaignDir = h.campaignDir;
    await waitFor(() => ledgerLines(campaignDir, 'estimate-r1-') >= 30, 'round 1 estimate samples in the ledger', { timeoutMs: 120_000, intervalMs: 50 });
    await first.kill();
    const killedAt = Date.now();
    const samplesAtKill = ledgerLines(campaignDir, 'estimate-r1-');
    const shardFilesAtKill = estimateShardFiles(campaignDir, 1).length;

    const second = spawnWorkerProcess({ taskQueue: h.taskQueue, runsDir, env, client: h.client });
    workers.push(second);
    await second.ready;
    const outcome = await h.result();
    process.stderr.write(
      `crashRecovery: killed after ${killedAt - started} ms with ${samplesAtKill} round-1 estimate samples and ${shardFilesAtKill} estimate shard file(s); ` +
        `campaign done ${Date.now() - killedAt} ms after the kill; rounds ${outcome.rounds.map((r) => r.outcome).join(', ')}; sim ${JSON.stringify(h.sim.stats())}\n`,
    );

    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2]);
    // The kill did land mid-estimation: round 1 wrote more estimate shards after it than before it.
    expect(samplesAtKill).toBeGreaterThan(0);
    expect(estimateShardFiles(campaignDir, 1).length).toBeGreaterThan(shardFilesAtKill);

    // ... and the estimate shard the killed worker ran was retried by the new one (attempt 2 or later).
    const history = await h.client.workflow.getHandle(roundWorkflowId(h.name, 1)).fetchHistory();
    const scheduled = new Map<string, string>();
    const retriedTypes: string[] = [];
    for (const e of history.events ?? []) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
      const st = e.activityTaskStartedEventAttributes;
      if (st && (st.attempt ?? 1) > 1) retriedTypes.push(scheduled.get(String(st.scheduledEventId)) ?? '?');
    }
    expect(retriedTypes).toContain('estimateShard');

    const ledger = await SampleLedger.open(ledgerDir(campaignDir));
    expect(ledger.stats.duplicates).toBe(0);
    // A torn last line (SIGKILL mid-write) is tolerated and truncated away, never a record.
    expect(ledger.stats.torn).toBeLessThanOrEqual(1);

    const rounds = await Promise.all(
      outcome.rounds.map(async (r) => ({ model: (await roundInputOf(h!.client, h!.name, r.round)).model, rows: estimateRows(campaignDir, r.round) })),
    );
    expect(rounds[0]!.rows.length).toBeGreaterThan(0);
    const coverage = await checkEstimateCoverage(ledger, rounds);
    expect(coverage.checked).toBeGreaterThan(0);
    expect(coverage.problems).toEqual([]);

    const trained = outcome.rounds.filter((r) => r.outcome === 'promoted' || r.outcome === 'rejected');
    expect(trained.length).toBeGreaterThan(0);
    expect(h.sim.stats().jobsCreated).toBe(trained.length);
  }, 300_000);
});
