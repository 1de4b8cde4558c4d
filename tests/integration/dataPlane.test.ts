import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { campaignWorkflowId, type campaignWorkflow } from '../../workflows/campaign';
import { roundStatusQuery } from '../../workflows/messages';
import { roundWorkflowId } from '../../workflows/round';
import { keepConfigCopy } from '../../cli/commands/start';
import { DirectoryRunStore } from '../../lib/store';
import { repoRoot, startCampaignHarness, useRunsDir, waitFor, type CampaignHarness } from '../helpers/campaignHarness';
import { testServerAddress } from '../helpers/temporal';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

/**
 * Issue 10 acceptance, against the real dev server, real worker(s) and the sim over HTTP:
 * (a) a shard whose provider fails one request mid-shard (every retry of it, so the shard fails and Temporal
 *     retries it) draws nothing twice; (b) a worker killed while the round waits for its fine-tune job, or
 *     inside startFineTune once its create reached the provider, is replaced within the heartbeat timeout,
 *     one job in the sim; (c) a round terminated during the fine-tune
 *     wait, then `strawberry resume`: one job for that round, its model adopted; (e) 1% malformed bodies are
 *     retried per request, no shard-level retry.
 */
const runsDir = useRunsDir();
const run = promisify(execFile);

/** Attempts > 1 of each activity type in a round's history. */
async function retriedActivities(client: Client, campaign: string, round: number): Promise<string[]> {
  const history = await client.workflow.getHandle(roundWorkflowId(campaign, round)).fetchHistory();
  const scheduled = new Map<string, string>();
  const retried: string[] = [];
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    const st = e.activityTaskStartedEventAttributes;
    if (st && (st.attempt ?? 1) > 1) retried.push(scheduled.get(String(st.scheduledEventId)) ?? '?');
  }
  return retried;
}

async function roundPhase(client: Client, name: string, round: number): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(roundWorkflowId(name, round)).query(roundStatusQuery)).phase;
  } catch {
    return undefined;
  }
}

/**
 * A real HTTP proxy in front of the sim that answers 503 to every attempt of one chosen estimation request
 * (the 10th distinct one), `failTimes` times, and counts how often each request body was answered 200.
 */
async function startFaultyProxy(target: string, failTimes: number) {
  const answered = new Map<string, number>();
  let distinct = 0;
  let victim: string | undefined;
  let failures = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const digest = createHash('sha256').update(body).digest('hex');
      let parsed: { n?: number } = {};
      try {
        parsed = JSON.parse(body.toString() || '{}');
      } catch {
        // not JSON: forwarded as is
      }
      const estimation = req.url?.endsWith('/chat/completions') && parsed.n === 5;
      if (estimation && victim === undefined && !answered.has(digest) && ++distinct === 10) victim = digest;
      if (digest === victim && failures < failTimes) {
        failures++;
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'injected: overloaded', type: 'server_error' } }));
        return;
      }
      const upstream = await fetch(`${target}${req.url!.replace(/^\/v1/, '')}`, { method: req.method, headers: { authorization: req.headers.authorization ?? '', 'content-type': req.headers['content-type'] ?? 'application/json' }, body: req.method === 'GET' ? undefined : body });
      const text = Buffer.from(await upstream.arrayBuffer());
      if (estimation && upstream.status === 200) answered.set(digest, (answered.get(digest) ?? 0) + 1);
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    duplicates: () => [...answered.values()].filter((n) => n > 1).length,
    answered: () => answered.size,
    failures: () => failures,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/**
 * A real HTTP proxy in front of the sim that holds the first request matching `hold` (e.g. the fine-tune job
 * create) until `release()`, then forwards it; everything else passes straight through.
 */
async function startHoldingProxy(target: string, hold: (method: string, url: string) => boolean) {
  let heldOnce = false;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let onHeld!: () => void;
  const held = new Promise<void>((r) => (onHeld = r));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      if (!heldOnce && hold(req.method ?? 'GET', req.url ?? '')) {
        heldOnce = true;
        onHeld();
        await released;
      }
      const body = Buffer.concat(chunks);
      const upstream = await fetch(`${target}${req.url!.replace(/^\/v1/, '')}`, {
        method: req.method,
        headers: { authorization: req.headers.authorization ?? '', 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: req.method === 'GET' ? undefined : body,
      });
      const text = Buffer.from(await upstream.arrayBuffer());
      // The caller may be gone (its worker was killed): the provider did the work all the same.
      if (!res.destroyed) {
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    held,
    release,
    close: () => new Promise<void>((r) => { release(); server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('data plane', () => {
  let h: CampaignHarness | undefined;
  const workers: WorkerProcess[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    for (const c of closers.splice(0)) await c();
    await h?.teardown();
    h = undefined;
  });

  it('(a) a shard whose provider keeps failing one request is retried by Temporal and draws no sample twice', async () => {
    let proxy: Awaited<ReturnType<typeof startFaultyProxy>> | undefined;
    h = await startCampaignHarness({
      label: 'no-dup',
      start: false,
      configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 } }),
    });
    // The chat client retries a request 5 times: 6 failures make that shard fail once.
    proxy = await startFaultyProxy(h.sim.baseURL, 6);
    closers.push(proxy.close);
    const sim = h.config.providers.sim!;
    h.config.providers.sim = { ...sim, baseURL: proxy.url };
    await h.start();
    const outcome = await h.result();
    expect(outcome.rounds).toHaveLength(1);
    expect(proxy.failures()).toBe(6);
    expect(await retriedActivities(h.client, h.name, 1)).toContain('estimateShard');
    expect(proxy.answered()).toBeGreaterThan(50);
    // No estimation request (same prompt, seed and sample batch) was answered twice: nothing drawn twice.
    expect(proxy.duplicates()).toBe(0);
  }, 300_000);

  it('(e) 1% malformed bodies are retried per request: the round completes with no shard-level retry', async () => {
    h = await startCampaignHarness({
      label: 'malformed',
      simConfig: { faults: { malformedRate: 0.01, seed: 7 } },
      configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 } }),
    });
    const outcome = await h.result();
    expect(outcome.rounds).toHaveLength(1);
    expect(h.sim.stats().malformed).toBeGreaterThan(0);
    const retried = await retriedActivities(h.client, h.name, 1);
    expect(retried.filter((t) => t === 'estimateShard' || t === 'generateTracesShard' || t === 'evaluateModels')).toEqual([]);
  }, 300_000);

  it('a fine-tune job that outlasts many polls is waited for (polling has no attempt cap, only timeoutHours)', async () => {
    // A job that trains 40 s, polled as often as the server retries (about once a second, under load every
    // 1.7 s as seen in CI): more polls than the attempt cap of ordinary activities (10), with room to spare.
    h = await startCampaignHarness({
      label: 'long-job',
      simConfig: { jobs: { runningSeconds: 40 } },
      configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 }, fineTune: { ...c.fineTune, pollIntervalSeconds: 0.2 } }),
    });
    const outcome = await h.result();
    expect(outcome.rounds).toHaveLength(1);
    expect(outcome.stopReason).not.toMatch(/blocked/);
    // The history records the attempt that finished: the poll that saw the job succeed.
    const history = await h.client.workflow.getHandle(roundWorkflowId(h.name, 1)).fetchHistory();
    const events = history.events ?? [];
    const waitId = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'waitForFineTune')?.eventId;
    const started = events.find((e) => waitId !== undefined && String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(waitId));
    expect(started?.activityTaskStartedEventAttributes?.attempt ?? 0).toBeGreaterThan(10);
  }, 300_000);

  it('(b) a worker killed while the round waits for its fine-tune job is replaced within the heartbeat timeout; one job', async () => {
    h = await startCampaignHarness({
      label: 'kill-ft',
      worker: 'none',
      start: false,
      simConfig: { jobs: { runningSeconds: 8 } },
      configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 }, sharding: { ...c.sharding, heartbeatTimeoutSeconds: 5 } }),
    });
    const env = { STRAWBERRY_SIM_KEY: process.env.STRAWBERRY_SIM_KEY };
    const first = spawnWorkerProcess({ taskQueue: h.taskQueue, runsDir, env, client: h.client });
    workers.push(first);
    await first.ready;
    await h.start();
    await waitFor(async () => h!.sim.stats().jobsCreated === 1 && (await roundPhase(h!.client, h!.name, 1)) === 'fine-tune', 'the round waiting for its job', { timeoutMs: 180_000, intervalMs: 100 });
    await first.kill();
    const second = spawnWorkerProcess({ taskQueue: h.taskQueue, runsDir, env, client: h.client });
    workers.push(second);
    await second.ready;
    const outcome = await h.result();
    expect(outcome.rounds).toHaveLength(1);
    expect(h.sim.stats().jobsCreated).toBe(1);
    expect(['promoted', 'rejected']).toContain(outcome.rounds[0]!.outcome);
  }, 300_000);

  it('(b) a worker killed inside startFineTune, after its create reached the provider, is replaced within the heartbeat timeout; the job is adopted, not created twice', async () => {
    h = await startCampaignHarness({
      label: 'kill-start-ft',
      worker: 'none',
      start: false,
      configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 }, sharding: { ...c.sharding, heartbeatTimeoutSeconds: 5 } }),
    });
    const proxy = await startHoldingProxy(h.sim.baseURL, (method, url) => method === 'POST' && /\/fine_tuning\/jobs$/.test(url));
    closers.push(proxy.close);
    h.config.providers.sim = { ...h.config.providers.sim!, baseURL: proxy.url };
    const env = { STRAWBERRY_SIM_KEY: process.env.STRAWBERRY_SIM_KEY };
    const first = spawnWorkerProcess({ taskQueue: h.taskQueue, runsDir, env, client: h.client });
    workers.push(first);
    await first.ready;
    await h.start();
    // The create is in flight: the worker dies before any answer, then the provider creates the job anyway.
    await proxy.held;
    expect(await roundPhase(h.client, h.name, 1)).toBe('fine-tune');
    await first.kill();
    proxy.release();
    await waitFor(() => h!.sim.stats().jobsCreated === 1, 'the job created by the request of the dead worker', { timeoutMs: 30_000 });
    const second = spawnWorkerProcess({ taskQueue: h.taskQueue, runsDir, env, client: h.client });
    workers.push(second);
    await second.ready;
    const outcome = await h.result();
    expect(outcome.rounds).toHaveLength(1);
    expect(['promoted', 'rejected']).toContain(outcome.rounds[0]!.outcome);
    expect(await retriedActivities(h.client, h.name, 1)).toContain('startFineTune');
    expect(h.sim.stats().jobsCreated).toBe(1);
  }, 300_000);

  it('(c) a round terminated during the fine-tune wait, then `resume`: exactly one job for that round, its model adopted', async () => {
    h = await startCampaignHarness({
      label: 'term-ft',
      simConfig: { jobs: { runningSeconds: 6 } },
      configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 } }),
    });
    const { client, name } = h;
    await keepConfigCopy(new DirectoryRunStore(runsDir), h.config);
    await waitFor(async () => h!.sim.stats().jobsCreated === 1 && (await roundPhase(client, name, 1)) === 'fine-tune', 'the round waiting for its job', { timeoutMs: 180_000, intervalMs: 100 });
    await client.workflow.getHandle(roundWorkflowId(name, 1)).terminate('test: terminated during the fine-tune wait');
    await h.handle!.terminate('test: campaign terminated too');

    await run(process.execPath, [path.join(repoRoot, 'bin/strawberry.js'), 'resume', name], {
      cwd: repoRoot,
      env: { ...process.env, TEMPORAL_ADDRESS: testServerAddress(), TEMPORAL_NAMESPACE: 'default', STRAWBERRY_RUNS_DIR: runsDir },
    });
    const outcome = await client.workflow.getHandle<typeof campaignWorkflow>(campaignWorkflowId(name)).result();
    expect(outcome.rounds).toHaveLength(1);
    expect(h.sim.stats().jobsCreated).toBe(1);
    expect(outcome.rounds[0]!.model).toMatch(/^ft:/);
  }, 300_000);
});
