import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { UserError } from '../../../lib/errors';
import {
  completeChoices,
  createOpenAIChatProvider,
  ProviderRequestError,
  ProviderUnavailableError,
  retryAfterMs,
  TokenBucket,
  type OpenAIChatProviderOptions,
} from '../../../lib/providers/chat';

/** A real HTTP peer on loopback that answers each request with the next scripted reply. */
interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** A body sent as is (e.g. truncated JSON). */
  raw?: string;
}

interface Peer {
  baseURL: string;
  requests: { body: any; authorization?: string }[];
  maxInFlight: number;
  close(): Promise<void>;
}

function completion(contents: string[], usage = { prompt_tokens: 11, completion_tokens: 7 }) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 0,
    model: 'm',
    // Deliberately out of order: the provider sorts by index.
    choices: contents
      .map((content, index) => ({ index, message: { role: 'assistant', content }, finish_reason: index === 0 ? 'stop' : 'length' }))
      .reverse(),
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

async function startPeer(script: Reply[] | ((i: number) => Reply)): Promise<Peer> {
  const requests: Peer['requests'] = [];
  let inFlight = 0;
  const peer = { maxInFlight: 0 } as Peer;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const i = requests.length;
      requests.push({ body: JSON.parse(Buffer.concat(chunks).toString() || '{}'), authorization: req.headers.authorization });
      inFlight++;
      peer.maxInFlight = Math.max(peer.maxInFlight, inFlight);
      const reply = typeof script === 'function' ? script(i) : (script[i] ?? script[script.length - 1]!);
      const send = () => {
        inFlight--;
        if (res.destroyed) return;
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.raw ?? JSON.stringify(reply.body ?? {}));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  peer.baseURL = `http://127.0.0.1:${port}/v1`;
  peer.requests = requests;
  peer.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return peer;
}

const quiet = pino({ level: 'silent' });
const KEY_ENV = 'STRAWBERRY_TEST_CHAT_KEY';
const SECRET = 'sk-test-do-not-print-0123456789';
const req = { model: 'student', messages: [{ role: 'user' as const, content: 'Problem:\n1+1' }] };

function provider(peer: Peer, extra: Partial<OpenAIChatProviderOptions> = {}) {
  return createOpenAIChatProvider({ baseURL: peer.baseURL, apiKeyEnv: KEY_ENV, retryBaseDelayMs: 5, logger: quiet, ...extra });
}

let peer: Peer | undefined;
beforeEach(() => {
  process.env[KEY_ENV] = SECRET;
});
afterEach(async () => {
  await peer?.close();
  peer = undefined;
  delete process.env[KEY_ENV];
});

describe('createOpenAIChatProvider', () => {
  it('sends the request fields and the key, returns choices in order and the usage', async () => {
    peer = await startPeer([{ status: 200, body: completion(['a', 'b', 'c']) }]);
    const res = await provider(peer).complete({ ...req, temperature: 1, maxTokens: 64, n: 3, seed: 42 });
    expect(res.choices).toEqual([
      { content: 'a', finishReason: 'stop' },
      { content: 'b', finishReason: 'length' },
      { content: 'c', finishReason: 'length' },
    ]);
    expect(res.usage).toEqual({ promptTokens: 11, completionTokens: 7 });
    expect(peer.requests[0]!.body).toMatchObject({ model: 'student', temperature: 1, max_completion_tokens: 64, n: 3, seed: 42, messages: req.messages });
    expect(peer.requests[0]!.authorization).toBe(`Bearer ${SECRET}`);
  });

  it('waits out a 429 with retry-after, then succeeds', async () => {
    peer = await startPeer([
      { status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } },
      { status: 200, body: completion(['ok']) },
    ]);
    const res = await provider(peer).complete(req);
    expect(res.choices[0]!.content).toBe('ok');
    expect(peer.requests).toHaveLength(2);
  });

  it('retries 5xx and timeouts', async () => {
    peer = await startPeer([
      { status: 500, body: { error: { message: 'boom' } } },
      { status: 200, body: completion(['late']), delayMs: 2000 },
      { status: 200, body: completion(['ok']) },
    ]);
    const res = await provider(peer, { timeoutMs: 300 }).complete(req);
    expect(res.choices[0]!.content).toBe('ok');
    expect(peer.requests).toHaveLength(3);
  });

  it('gives up after exactly 1 + maxRetries attempts (no SDK retries on top)', async () => {
    peer = await startPeer([{ status: 503, body: { error: { message: 'overloaded' } } }]);
    const err = await provider(peer, { maxRetries: 2 })
      .complete(req)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect((err as ProviderUnavailableError).status).toBe(503);
    expect((err as ProviderUnavailableError).attempts).toBe(3);
    expect((err as Error).message).toMatch(/overloaded/);
    expect(peer.requests).toHaveLength(3);
  });

  it.each([
    [400, 'invalid_request_error', "Invalid value for 'temperature'"],
    [401, 'invalid_api_key', 'Incorrect API key provided'],
    [403, 'forbidden', 'You are not allowed to sample from this model'],
    [404, 'model_not_found', 'The model `nope` does not exist'],
  ])('does not retry %i and keeps the provider message', async (status, code, message) => {
    peer = await startPeer([{ status, body: { error: { message, type: 'invalid_request_error', code } } }]);
    const err = await provider(peer)
      .complete(req)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect(err).toMatchObject({ status, code, retryable: false });
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toContain(SECRET);
    expect(peer.requests).toHaveLength(1);
  });

  it('masks the key when a server echoes it in an error, retryable or not', async () => {
    const echo = (status: number) => ({ status, body: { error: { message: `Invalid key ${SECRET} for this proxy` } } });
    peer = await startPeer([echo(401)]);
    const refused = await provider(peer).complete(req).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderRequestError);
    expect((refused as Error).message).toContain('[redacted]');
    expect((refused as Error).message).not.toContain(SECRET);
    await peer.close();

    peer = await startPeer([echo(503)]);
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const gaveUp = await provider(peer, { maxRetries: 1, logger }).complete(req).catch((e: unknown) => e);
    expect(gaveUp).toBeInstanceOf(ProviderUnavailableError);
    expect((gaveUp as Error).message).not.toContain(SECRET);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(SECRET);
  });

  it('refuses a missing or empty key variable, naming it', () => {
    delete process.env[KEY_ENV];
    expect(() => createOpenAIChatProvider({ baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: KEY_ENV })).toThrow(UserError);
    expect(() => createOpenAIChatProvider({ baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: KEY_ENV })).toThrow(new RegExp(KEY_ENV));
    process.env[KEY_ENV] = '  ';
    expect(() => createOpenAIChatProvider({ baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: KEY_ENV })).toThrow(/not set or empty/);
  });

  it('retries a truncated (malformed) 200 body and an empty `choices` list per request, like a 5xx', async () => {
    const whole = JSON.stringify(completion(['ok']));
    peer = await startPeer([
      { status: 200, raw: whole.slice(0, Math.floor(whole.length / 2)) },
      { status: 200, body: { ...completion([]), choices: [] } },
      { status: 200, body: completion(['ok']) },
    ]);
    const res = await provider(peer).complete(req);
    expect(res.choices[0]!.content).toBe('ok');
    expect(peer.requests).toHaveLength(3);
  });

  it('retries 429s past maxRetries until the rate-limit deadline, honouring retry-after-ms', async () => {
    const limited = { status: 429, headers: { 'retry-after-ms': '5' }, body: { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } } };
    peer = await startPeer([limited, limited, limited, limited, { status: 200, body: completion(['ok']) }]);
    const res = await provider(peer, { maxRetries: 1 }).complete(req);
    expect(res.choices[0]!.content).toBe('ok');
    expect(peer.requests).toHaveLength(5);
    await peer.close();
    peer = await startPeer([limited]);
    const err = await provider(peer, { maxRetries: 1, rateLimitDeadlineMs: 200 }).complete(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect((err as ProviderUnavailableError).status).toBe(429);
    expect((err as Error).message).toMatch(/rate limited for/);
  });

  it('an aborted signal sends nothing more: waits end at once, a request on the wire finishes', async () => {
    peer = await startPeer(() => ({ status: 200, body: completion(['x']), delayMs: 100 }));
    const p = provider(peer, { concurrency: 1 });
    const ac = new AbortController();
    const first = p.complete(req, { signal: ac.signal });
    const queued = p.complete(req, { signal: ac.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 30));
    ac.abort(new Error('a sibling lane failed'));
    expect((await first).choices[0]!.content).toBe('x'); // already sent: its answer is still returned
    expect(((await queued) as Error).message).toBe('a sibling lane failed');
    expect(peer.requests).toHaveLength(1);
    await expect(p.complete(req, { signal: ac.signal })).rejects.toThrow(/sibling/);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    peer = await startPeer(() => ({ status: 200, body: completion(['x']), delayMs: 40 }));
    const p = provider(peer, { concurrency: 2 });
    await Promise.all(Array.from({ length: 7 }, () => p.complete(req)));
    expect(peer.requests).toHaveLength(7);
    expect(peer.maxInFlight).toBe(2);
  });

  it('serves waiting requests by priority, equal ones in arrival order', async () => {
    peer = await startPeer(() => ({ status: 200, body: completion(['x']), delayMs: 30 }));
    const p = provider(peer, { concurrency: 1 });
    const ask = (label: string, priority?: number) => p.complete({ ...req, messages: [{ role: 'user', content: label }] }, { priority });
    const first = ask('first');
    // Queued while `first` holds the only slot.
    await Promise.all([first, ask('shard 2', -2), ask('no priority'), ask('shard 1', -1), ask('shard 0', 0), ask('urgent', 5)]);
    expect(peer.requests.map((r) => r.body.messages[0].content)).toEqual(['first', 'urgent', 'no priority', 'shard 0', 'shard 1', 'shard 2']);
  });

  it('completeChoices and its extra requests keep the caller\'s signal: an aborted lane sends nothing', async () => {
    peer = await startPeer(() => ({ status: 200, body: completion(['only one']) }));
    const p = completeChoices(provider(peer), { logger: quiet });
    const ac = new AbortController();
    ac.abort(new Error('a sibling lane failed'));
    await expect(p.complete({ ...req, n: 3 }, { signal: ac.signal })).rejects.toThrow('a sibling lane failed');
    await expect(completeChoices(provider(peer), { logger: quiet, singleSampleRequests: true }).complete({ ...req, n: 3 }, { signal: ac.signal })).rejects.toThrow('a sibling lane failed');
    expect(peer.requests).toHaveLength(0);
  });
});

describe('retryAfterMs', () => {
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

describe('TokenBucket', () => {
  // A fake clock that moves only when the bucket sleeps: how long it slept is exact.
  function fakeTime() {
    const t = { now: 0 };
    return { t, now: () => t.now, sleep: async (ms: number) => void (t.now += ms) };
  }

  it('lets a full minute through at once, then waits for the refill', async () => {
    const { t, now, sleep } = fakeTime();
    const bucket = new TokenBucket(60, now, sleep);
    for (let i = 0; i < 60; i++) await bucket.take(1);
    expect(t.now).toBe(0);
    await bucket.take(1);
    expect(t.now).toBe(1000);
    await bucket.take(3);
    expect(t.now).toBe(4000);
  });

  it('caps one oversized take at the bucket size and accepts a charge below zero', async () => {
    const { t, now, sleep } = fakeTime();
    const bucket = new TokenBucket(100, now, sleep);
    await bucket.take(1000); // waits for at most a full bucket, which is there
    expect(t.now).toBe(0);
    bucket.charge(50); // real usage was higher than estimated: balance -50
    await bucket.take(10); // needs 60 tokens of refill: 36 s
    expect(t.now).toBe(36000);
  });
});
