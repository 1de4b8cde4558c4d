import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { ProviderSchema } from '../../../lib/config/schema';
import { loadCurriculum } from '../../../lib/curriculum/load';
import { createOpenAIChatProvider, type ChatRequest } from '../../../lib/providers/chat';
import { startSim, type RunningSim } from '../../../sim/server';

/**
 * The chat client with `storedCompletions` against the sim's stored completions (OpenAI's API shape), through
 * a recording proxy that can also break an answer: what is sent, when a lookup is made, what is adopted.
 */

const CURRICULUM = path.resolve(__dirname, '../../../curricula/arithmetic.yaml');
const quiet = pino({ level: 'silent' });

interface Seen {
  method: string;
  url: string;
  body: any;
}

interface Proxy {
  baseURL: string;
  seen: Seen[];
  close(): Promise<void>;
}

/**
 * Forwards to `target`; `tamper` may replace the answer to request i (the sim has answered, and billed, by then).
 */
async function startProxy(target: string, tamper: (seen: Seen, i: number, upstream: { status: number; text: string }) => { status: number; text: string } = (_, __, u) => u): Promise<Proxy> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString();
      const s: Seen = { method: req.method!, url: req.url!, body: raw ? JSON.parse(raw) : undefined };
      const i = seen.push(s) - 1;
      const upstream = await fetch(`${target}${req.url!.replace(/^\/v1/, '')}`, { method: req.method, headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: req.method === 'GET' ? undefined : raw });
      const out = tamper(s, i, { status: upstream.status, text: await upstream.text() });
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(out.text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    seen,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

let sim: RunningSim;
const proxies: Proxy[] = [];
beforeAll(async () => {
  sim = await startSim({ curricula: [await loadCurriculum(CURRICULUM)] });
});
afterAll(async () => {
  await sim?.close();
});
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

let seed = 100;
const request = (): ChatRequest => ({ model: 'sim-student', messages: [{ role: 'user', content: 'What is 2 + 3? Put the final answer in \\boxed{}.' }], n: 3, maxTokens: 64, temperature: 1, seed: seed++ });
const client = (baseURL: string, storedCompletions = true) => createOpenAIChatProvider({ baseURL, storedCompletions, logger: quiet, retryBaseDelayMs: 1, maxRetryDelayMs: 5 });
async function proxy(tamper?: Parameters<typeof startProxy>[1]): Promise<Proxy> {
  const p = await startProxy(sim.baseURL, tamper);
  proxies.push(p);
  return p;
}

describe('stored completions in the chat client', () => {
  it('off (the default): the body carries neither store nor metadata', async () => {
    const p = await proxy();
    await client(p.baseURL, false).complete(request(), { adoptStored: true });
    expect(p.seen.map((s) => s.method)).toEqual(['POST']);
    expect(p.seen[0]!.body).not.toHaveProperty('store');
    expect(p.seen[0]!.body).not.toHaveProperty('metadata');
  });

  it('on: store: true and the digest of the body without them; a first attempt sends no lookup', async () => {
    const p = await proxy();
    await client(p.baseURL).complete(request());
    expect(p.seen.map((s) => s.method)).toEqual(['POST']);
    const { store, metadata, ...rest } = p.seen[0]!.body;
    expect(store).toBe(true);
    expect(metadata).toEqual({ strawberry_request: createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 32) });
  });

  it('a retry adopts the stored answer: one lookup, nothing paid again, the same response', async () => {
    const p = await proxy();
    const req = request();
    const first = await client(p.baseURL).complete(req);
    const paid = sim.stats().chatCompletions;
    const lookups = sim.stats().storedLookups;
    let adopted = 0;
    const again = await client(p.baseURL).complete(req, { adoptStored: true, onAdopted: () => adopted++ });
    expect(again).toEqual(first);
    expect(adopted).toBe(1);
    expect(p.seen.map((s) => s.method)).toEqual(['POST', 'GET']);
    expect(p.seen[1]!.url).toContain(`metadata%5Bstrawberry_request%5D=${p.seen[0]!.body.metadata.strawberry_request}`);
    expect(sim.stats().chatCompletions).toBe(paid);
    expect(sim.stats().storedLookups).toBe(lookups + 1);
  });

  it('a retry of a request never answered looks it up, finds nothing, and sends it', async () => {
    const p = await proxy();
    let adopted = 0;
    const r = await client(p.baseURL).complete(request(), { adoptStored: true, onAdopted: () => adopted++ });
    expect(r.choices).toHaveLength(3);
    expect(adopted).toBe(0);
    expect(p.seen.map((s) => s.method)).toEqual(['GET', 'POST']);
  });

  it('a failed lookup (404, 500) falls back to sending the request', async () => {
    for (const status of [404, 500]) {
      const p = await proxy((s, _i, u) => (s.method === 'GET' ? { status, text: JSON.stringify({ error: { message: 'no', type: 'invalid_request_error' } }) } : u));
      const r = await client(p.baseURL).complete(request(), { adoptStored: true });
      expect(r.choices).toHaveLength(3);
      expect(p.seen.map((s) => s.method)).toEqual(['GET', 'POST']);
    }
  });

  it('a listed completion of another request (a server ignoring the filter) is not adopted', async () => {
    const other = request();
    const p = await proxy();
    await client(p.baseURL).complete(other);
    const foreign = await fetch(`${sim.baseURL}/chat/completions?metadata[strawberry_request]=${p.seen[0]!.body.metadata.strawberry_request}`, { headers: { authorization: 'Bearer k' } }).then((r) => r.text());
    const q = await proxy((s, _i, u) => (s.method === 'GET' ? { status: 200, text: foreign } : u));
    let adopted = 0;
    await client(q.baseURL).complete(request(), { adoptStored: true, onAdopted: () => adopted++ });
    expect(adopted).toBe(0);
    expect(q.seen.map((s) => s.method)).toEqual(['GET', 'POST']);
  });

  it('an answer cut off after the provider billed it is adopted on the next try, not paid twice', async () => {
    const p = await proxy((s, i, u) => (s.method === 'POST' && i === 0 ? { status: 200, text: u.text.slice(0, 40) } : u));
    const paid = sim.stats().chatCompletions;
    let adopted = 0;
    const r = await client(p.baseURL).complete(request(), { onAdopted: () => adopted++ });
    expect(r.choices).toHaveLength(3);
    expect(p.seen.map((s) => s.method)).toEqual(['POST', 'GET']);
    expect(adopted).toBe(1);
    expect(sim.stats().chatCompletions).toBe(paid + 1);
  });
});

describe('the storedCompletions setting', () => {
  it('defaults to false on openai and azure, and is refused by name on kinds without stored completions', () => {
    expect(ProviderSchema.parse({ kind: 'openai', baseURL: 'http://x/v1', apiKeyEnv: 'K' }).storedCompletions).toBe(false);
    expect(ProviderSchema.parse({ kind: 'openai', baseURL: 'http://x/v1', apiKeyEnv: 'K', storedCompletions: true }).storedCompletions).toBe(true);
    for (const p of [
      { kind: 'together', storedCompletions: true },
      { kind: 'fireworks', accountId: 'a', storedCompletions: true },
      { kind: 'local', baseURL: 'http://x/v1', storedCompletions: true },
    ]) {
      const r = ProviderSchema.safeParse(p);
      expect(r.success).toBe(false);
      expect(r.error!.issues).toEqual([expect.objectContaining({ path: ['storedCompletions'], message: expect.stringContaining('kind openai or azure') })]);
    }
  });
});
