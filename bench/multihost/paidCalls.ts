import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP proxy in front of the sim that counts what a provider would bill: chat completions it answered
 * 200 (and their choices), keyed by the API key and the request body, and fine-tune jobs it created. A body
 * answered twice for one key is a duplicate paid call: the same samples drawn (and paid) again by one campaign
 * (campaigns of one config send the same bodies, so each campaign gets a key of its own).
 */
export interface PaidCallCounter {
  url: string;
  counts(): { chatCalls: number; choices: number; duplicates: number; jobs: number };
  close(): Promise<void>;
}

export async function startPaidCallCounter(target: string): Promise<PaidCallCounter> {
  const answered = new Map<string, number>();
  let choices = 0;
  let jobs = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const url = req.url ?? '/';
        const headers: Record<string, string> = {};
        for (const h of ['authorization', 'content-type', 'idempotency-key']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
        let upstream: Response;
        try {
          upstream = await fetch(`${target}${url.replace(/^\/v1/, '')}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body });
        } catch (err) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: `proxy: ${String(err)}`, type: 'server_error' } }));
          return;
        }
        const text = Buffer.from(await upstream.arrayBuffer());
        if (upstream.status === 200 && req.method === 'POST' && url.endsWith('/chat/completions')) {
          const digest = createHash('sha256').update(headers.authorization ?? '').update('\u0000').update(body).digest('hex');
          answered.set(digest, (answered.get(digest) ?? 0) + 1);
          try {
            choices += (JSON.parse(text.toString()) as { choices?: unknown[] }).choices?.length ?? 0;
          } catch {
            // a malformed body from the sim's faults: billed as a call, no choices counted
          }
        }
        if (upstream.status === 200 && req.method === 'POST' && /\/fine_tuning\/jobs$/.test(url)) jobs++;
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    counts: () => ({
      chatCalls: [...answered.values()].reduce((a, b) => a + b, 0),
      choices,
      duplicates: [...answered.values()].reduce((a, n) => a + (n - 1), 0),
      jobs,
    }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
