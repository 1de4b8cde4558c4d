import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCampaignHarness, useRunsDir, waitFor, type CampaignHarness } from '../helpers/campaignHarness';
import { ledgerLines } from '../helpers/ledgerChecks';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

/**
 * Issue 23 (never pay twice across a SIGKILL): with `storedCompletions: true`, a worker killed with estimation
 * requests in flight (answered and billed by the provider, never recorded in the ledger) is replaced, and the
 * retried shard adopts those answers from the provider's stored completions instead of paying for them again.
 * A counting proxy in front of the sim sees every paid answer: no request body is answered 200 twice.
 */
const runsDir = useRunsDir();

/** Counts the 200 answers per chat request body, the bodies in flight, and the lookups that found an answer. */
async function startCountingProxy(target: string) {
  const answered = new Map<string, number>();
  const inFlight = new Map<string, { n?: number }>();
  let lookups = 0;
  let found = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const chat = req.url?.split('?')[0]?.endsWith('/chat/completions') ?? false;
      const digest = createHash('sha256').update(body).digest('hex');
      if (chat && req.method === 'POST') inFlight.set(digest, JSON.parse(body.toString()) as { n?: number });
      try {
        const upstream = await fetch(`${target}${req.url!.replace(/^\/v1/, '')}`, {
          method: req.method,
          headers: { authorization: req.headers.authorization ?? '', 'content-type': req.headers['content-type'] ?? 'application/json' },
          body: req.method === 'GET' ? undefined : body,
        });
        const text = Buffer.from(await upstream.arrayBuffer());
        if (chat && req.method === 'POST' && upstream.status === 200) answered.set(digest, (answered.get(digest) ?? 0) + 1);
        if (chat && req.method === 'GET') {
          lookups++;
          if (upstream.status === 200 && (JSON.parse(text.toString()) as { data: unknown[] }).data.length > 0) found++;
        }
        // The client may be gone (SIGKILL): what the sim answered is paid for all the same.
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      } catch {
        res.destroy();
      } finally {
        inFlight.delete(digest);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    /** Estimation requests (n = the batch size) on their way now. */
    estimatesInFlight: (batch: number) => [...inFlight].filter(([, b]) => b.n === batch).map(([d]) => d),
    answers: (digest: string) => answered.get(digest) ?? 0,
    duplicates: () => [...answered.values()].filter((n) => n > 1).length,
    answered: () => answered.size,
    /** All 200 answers, duplicates included: what was paid. */
    paid: () => [...answered.values()].reduce((a, b) => a + b, 0),
    lookups: () => lookups,
    found: () => found,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('stored completions across a worker killed mid-estimation', () => {
  let h: CampaignHarness | undefined;
  let proxy: Awaited<ReturnType<typeof startCountingProxy>> | undefined;
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await h?.teardown();
    h = undefined;
    await proxy?.close();
    proxy = undefined;
  });

  it.each([
    { storedCompletions: true, what: 'on: the retried shard adopts the answers the killed worker had in flight, no request is paid twice' },
    { storedCompletions: false, what: 'off (the control): the retried shard pays again for the requests the killed worker had in flight' },
  ])('$what', async ({ storedCompletions }) => {
    h = await startCampaignHarness({
      label: storedCompletions ? 'stored' : 'unstored',
      worker: 'none',
      start: false,
      // Each request takes a while, so requests are in flight when the worker dies.
      simConfig: { faults: { latencyMs: 60 } },
      configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 }, sharding: { ...c.sharding, heartbeatTimeoutSeconds: 5 } }),
    });
    proxy = await startCountingProxy(h.sim.baseURL);
    h.config.providers.sim = { ...h.config.providers.sim!, baseURL: proxy.url, storedCompletions } as typeof h.config.providers.sim;
    const batch = h.config.estimation.batchSize;
    const env = { STRAWBERRY_SIM_KEY: process.env.STRAWBERRY_SIM_KEY };
    const first = spawnWorkerProcess({ taskQueue: h.taskQueue, runsDir, env, client: h.client });
    workers.push(first);
    await first.ready;
    await h.start();

    const campaignDir = h.campaignDir;
    const p = proxy;
    const t0 = Date.now();
    // A slow machine shows where it stands while the campaign runs.
    const progress = setInterval(() => process.stderr.write(`[${Date.now() - t0} ms] ledger estimate-r1 ${ledgerLines(campaignDir, 'estimate-r1-')}, paid ${p.answered()}, lookups ${p.lookups()}\n`), 30_000);
    await waitFor(() => ledgerLines(campaignDir, 'estimate-r1-') >= 30 && p.estimatesInFlight(batch).length >= 4, 'round 1 estimation under way with requests in flight', { timeoutMs: 120_000, intervalMs: 20 });
    const inFlight = p.estimatesInFlight(batch);
    await first.kill();

    const second = spawnWorkerProcess({ taskQueue: h.taskQueue, runsDir, env, client: h.client });
    workers.push(second);
    await second.ready;
    const outcome = await h.result().finally(() => clearInterval(progress));
    const stats = h.sim.stats();
    const inFlightAnswers = inFlight.map((d) => p.answers(d));
    process.stderr.write(
      `storedCompletions ${storedCompletions}: ${inFlight.length} estimation requests in flight at the kill, answered ${JSON.stringify(inFlightAnswers)} time(s); ` +
        `${p.answered()} distinct chat requests, ${p.paid()} paid, ${p.duplicates()} paid twice or more; lookups ${p.lookups()} (${p.found()} found); sim ${JSON.stringify(stats)}\n`,
    );

    expect(outcome.rounds).toHaveLength(1);
    // Every completion the sim billed went through the proxy (none came from elsewhere).
    expect(stats.chatCompletions).toBe(p.paid());
    if (!storedCompletions) {
      // Without stored completions the retry cannot know what was paid: the requests in flight are paid again.
      expect(inFlightAnswers.some((n) => n > 1)).toBe(true);
      expect(p.duplicates()).toBeGreaterThan(0);
      expect(stats.storedLookups).toBe(0);
      return;
    }
    // Every request in flight at the kill was answered (paid) once: by the killed worker's connection, never again.
    expect(inFlightAnswers.every((n) => n === 1)).toBe(true);
    expect(p.duplicates()).toBe(0);
    // The retry did look them up and found them (adoption happened), and lookups were not billed.
    expect(stats.storedLookups).toBeGreaterThan(0);
    expect(p.found()).toBeGreaterThan(0);
    expect(p.paid()).toBe(p.answered());
  }, 300_000);
});
