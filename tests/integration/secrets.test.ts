import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { cancelSignal } from '../../workflows/messages';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';
import { testClient, uniqueTaskQueue } from '../helpers/temporal';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

/**
 * The API key a campaign uses must appear in none of its Temporal histories (every run of the campaign, every
 * round), none of its run-store files and none of the worker's log lines — also when the provider refuses it.
 * The worker runs as a child process (the real `strawberry worker`) so its whole output (pino JSON lines and the SDK's logs) is captured.
 */
const runsDir = useRunsDir();
const KEY = `sk-strawberry-test-${randomBytes(12).toString('hex')}`;

/** Every history of every execution carrying Campaign = name (continue-as-new runs and rounds), as JSON text. */
async function allHistories(client: Client, name: string): Promise<{ id: string; text: string }[]> {
  const out: { id: string; text: string }[] = [];
  for await (const wf of client.workflow.list({ query: `Campaign='${name}'` })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    out.push({ id: `${wf.workflowId} run ${wf.runId}`, text: JSON.stringify(history) });
  }
  return out;
}

/** Every file under dir, recursively, with its bytes as text. */
function allFiles(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .map((file) => ({ file, text: readFileSync(file).toString('latin1') }));
}

/** Where the key (or its Base64 form, as a Temporal payload would carry it) occurs. */
function leaks(texts: { where: string; text: string }[]): string[] {
  const needles = [KEY, Buffer.from(KEY).toString('base64').slice(0, 24)];
  return texts.filter((t) => needles.some((n) => t.text.includes(n))).map((t) => t.where);
}

describe('secrets stay out of histories, logs and the run store', () => {
  let worker: WorkerProcess | undefined;
  const harnesses: CampaignHarness[] = [];
  const servers: Server[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.teardown();
    await worker?.stop();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('a completed campaign and a refused one leave no trace of the key', async () => {
    // The check finds the key where it is (so an empty result means something).
    expect(leaks([{ where: 'control', text: `Authorization: Bearer ${KEY}` }])).toEqual(['control']);

    process.env.STRAWBERRY_SIM_KEY = KEY;
    const taskQueue = uniqueTaskQueue('secrets');
    const { client, connection } = await testClient();
    worker = spawnWorkerProcess({ taskQueue, runsDir, client, env: { STRAWBERRY_SIM_KEY: KEY, STRAWBERRY_LOG_LEVEL: 'debug', STRAWBERRY_LOG_FORMAT: 'json' } });
    await worker.ready;
    await connection.close();

    // A campaign that runs to the end with the key.
    const ok = await startCampaignHarness({ label: 'secrets', worker: 'none', taskQueue, simKey: KEY });
    harnesses.push(ok);
    const outcome = await ok.result();
    expect(outcome.rounds.length).toBe(2);
    expect(ok.sim.stats().chatCompletions).toBeGreaterThan(0);

    // A campaign whose provider refuses the key: error paths are where keys leak (request configs, headers).
    const refusing = createServer((req, res) => {
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }));
    });
    servers.push(refusing);
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const refusedURL = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1`;
    const refused = await startCampaignHarness({
      label: 'secrets-401',
      worker: 'none',
      taskQueue,
      simKey: KEY,
      configure: (c) => ({ ...c, providers: { ...c.providers, sim: { ...c.providers.sim!, baseURL: refusedURL } } }),
    });
    harnesses.push(refused);
    await refused.waitForStatus((s) => s.phase === 'blocked', 'the refused campaign to be blocked');
    await refused.handle!.signal(cancelSignal);
    await refused.result();

    const texts: { where: string; text: string }[] = [];
    for (const h of [ok, refused]) {
      const histories = await allHistories(h.client, h.name);
      expect(histories.length).toBeGreaterThanOrEqual(h === ok ? 5 : 2); // ok: 3 campaign runs + 2 rounds
      texts.push(...histories.map((x) => ({ where: `history ${x.id}`, text: x.text })));
      const files = allFiles(h.campaignDir);
      expect(files.length).toBeGreaterThan(0);
      texts.push(...files.map((f) => ({ where: f.file, text: f.text })));
    }
    const log = worker.output();
    expect(log).toContain(ok.name); // the activities did log this campaign's work
    texts.push(...log.split('\n').map((line, i) => ({ where: `worker output line ${i + 1}`, text: line })));

    expect(leaks(texts)).toEqual([]);
  });
});
