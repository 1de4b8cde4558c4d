import os from 'node:os';
import type { Client } from '@temporalio/client';
import { roundWorkflowId } from '../../workflows/round';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

/**
 * Task queues per kind of work (config `temporal.taskQueues`, `strawberry worker --queues`): a campaign whose
 * training has a queue of its own runs its fine-tune activities on the worker that declared `training`, and
 * nothing else there; everything else stays on the campaign's queue.
 */
const runsDir = useRunsDir();
const FINE_TUNE = ['startFineTune', 'waitForFineTune'];

/** Per activity of a workflow's history: its type, the queue it was scheduled on, and who started each attempt. */
async function activityRuns(client: Client, workflowId: string): Promise<{ type: string; taskQueue: string; identity: string }[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, { type: string; taskQueue: string }>();
  const out: { type: string; taskQueue: string; identity: string }[] = [];
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), { type: s.activityType!.name!, taskQueue: s.taskQueue!.name! });
    const st = e.activityTaskStartedEventAttributes;
    if (st) out.push({ ...scheduled.get(String(st.scheduledEventId))!, identity: st.identity! });
  }
  return out;
}

describe('task queues per kind of work', () => {
  let h: CampaignHarness | undefined;
  let trainer: WorkerProcess | undefined;
  afterEach(async () => {
    await trainer?.stop();
    await h?.teardown();
    h = undefined;
    trainer = undefined;
  });

  it('fine-tune activities run only on the worker that serves the training queue', async () => {
    h = await startCampaignHarness({
      label: 'queues',
      start: false,
      configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 }, temporal: { taskQueues: { training: true } } }),
    });
    const trainingQueue = `${h.taskQueue}-training`;
    trainer = spawnWorkerProcess({
      taskQueue: h.taskQueue,
      queues: 'training',
      identity: 'trainer',
      runsDir,
      client: h.client,
      pollQueues: [{ name: trainingQueue, workflows: false }],
    });
    await trainer.ready;
    await h.start();
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1]);

    const runs = await activityRuns(h.client, roundWorkflowId(h.name, 1));
    const trainerIdentity = `${trainer.pid}@${os.hostname()}/trainer`;
    const fineTune = runs.filter((r) => FINE_TUNE.includes(r.type));
    expect(fineTune.map((r) => r.type)).toEqual(expect.arrayContaining(FINE_TUNE));
    for (const r of fineTune) expect(r).toEqual({ type: r.type, taskQueue: trainingQueue, identity: trainerIdentity });
    const others = runs.filter((r) => !FINE_TUNE.includes(r.type));
    expect(others.length).toBeGreaterThan(5);
    for (const r of others) expect({ type: r.type, taskQueue: r.taskQueue, trainer: r.identity === trainerIdentity }).toEqual({ type: r.type, taskQueue: h.taskQueue, trainer: false });

    // The worker said who it is and what it serves.
    expect(trainer.output()).toContain(`Worker ${trainerIdentity} on `);
    expect(trainer.output()).toContain(`task queues ${trainingQueue} (training)`);
  }, 240_000);
});
