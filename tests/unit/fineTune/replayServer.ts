import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

/**
 * A real HTTP peer on 127.0.0.1 that replays recorded exchanges in order and checks each request against
 * what the fixture expects. Fixtures live in tests/fixtures/providers/<provider>/*.json and are written
 * from the providers' documentation (each names the page it follows).
 *
 * Request expectations: method, path, query (exact), auth ('bearer' = `Bearer {{apiKey}}`, 'api-key' = an
 * `api-key: {{apiKey}}` header and no Authorization (Azure), 'none' = no Authorization header), contentType (prefix), json (deep equal), form (urlencoded, exact), body (exact raw
 * text), multipartFile ({ field, filename?, content }). `{{name}}` in any string is replaced by a variable.
 */
export interface Exchange {
  doc?: string;
  note?: string;
  request: {
    method: string;
    path: string;
    query?: Record<string, string>;
    auth?: 'bearer' | 'api-key' | 'none';
    contentType?: string;
    json?: unknown;
    form?: Record<string, string>;
    body?: string;
    multipartFile?: { field: string; filename?: string; content: string };
  };
  response: { status: number; headers?: Record<string, string>; json?: unknown; body?: string };
}

export interface Fixture {
  description: string;
  docs?: string[];
  exchanges: Exchange[];
}

export interface ReplayServer {
  url: string;
  /** Requests received, for assertions (method, path with query). */
  received: string[];
  /** Throws if a request did not match or recorded exchanges were left unplayed. */
  assertDone(): void;
  close(): Promise<void>;
}

const FIXTURES = path.resolve(__dirname, '../../fixtures/providers');

export function loadFixture(provider: string, name: string): Fixture {
  return JSON.parse(readFileSync(path.join(FIXTURES, provider, `${name}.json`), 'utf8')) as Fixture;
}

export async function startReplayServer(fixture: Fixture, vars: Record<string, string>): Promise<ReplayServer> {
  const queue = [...fixture.exchanges];
  const failures: string[] = [];
  const received: string[] = [];
  let url = '';

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push(`${req.method} ${req.url}`);
      const next = queue.shift();
      if (!next) {
        failures.push(`unexpected request ${req.method} ${req.url}: no recorded exchange left`);
        res.writeHead(599).end('replay: no recorded exchange left');
        return;
      }
      const exchange = substitute(next, { ...vars, baseURL: url }) as Exchange;
      const problems = mismatches(exchange.request, req, raw, vars.apiKey ?? '');
      if (problems.length) {
        failures.push(`${req.method} ${req.url} does not match the recorded ${exchange.request.method} ${exchange.request.path}:\n  ${problems.join('\n  ')}`);
        res.writeHead(599, { 'content-type': 'text/plain' }).end(`replay mismatch: ${problems.join('; ')}`);
        return;
      }
      const { status, headers = {}, json, body } = exchange.response;
      const payload = json !== undefined ? JSON.stringify(json) : (body ?? '');
      res.writeHead(status, { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...headers });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    received,
    assertDone() {
      const left = queue.map((e) => `${e.request.method} ${e.request.path}`);
      if (failures.length || left.length) {
        throw new Error([...failures, ...(left.length ? [`recorded exchanges never requested: ${left.join(', ')}`] : [])].join('\n'));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function mismatches(expected: Exchange['request'], req: http.IncomingMessage, raw: string, apiKey: string): string[] {
  const out: string[] = [];
  const u = new URL(req.url ?? '/', 'http://replay');
  if (req.method !== expected.method) out.push(`method ${req.method}, expected ${expected.method}`);
  if (decodeURIComponent(u.pathname) !== expected.path) out.push(`path ${decodeURIComponent(u.pathname)}, expected ${expected.path}`);
  const query = Object.fromEntries(u.searchParams.entries());
  if (!isDeepStrictEqual(query, expected.query ?? {})) out.push(`query ${JSON.stringify(query)}, expected ${JSON.stringify(expected.query ?? {})}`);
  const auth = req.headers.authorization;
  if (expected.auth === 'bearer' && auth !== `Bearer ${apiKey}`) out.push(`Authorization ${auth ? 'has the wrong value' : 'missing'}`);
  if (expected.auth === 'api-key' && (req.headers['api-key'] !== apiKey || auth !== undefined)) out.push(`api-key header ${req.headers['api-key'] ? 'has the wrong value' : 'missing'}${auth !== undefined ? ', and an Authorization header was sent' : ''}`);
  if (expected.auth === 'none' && auth !== undefined) out.push('Authorization header sent to a URL that must not receive it');
  const contentType = req.headers['content-type'] ?? '';
  if (expected.contentType && !contentType.startsWith(expected.contentType)) out.push(`content-type ${contentType}, expected ${expected.contentType}`);
  if (expected.json !== undefined) {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      out.push(`body is not JSON: ${raw.slice(0, 200)}`);
    }
    if (body !== undefined && !isDeepStrictEqual(body, expected.json)) out.push(`JSON body ${JSON.stringify(body)}, expected ${JSON.stringify(expected.json)}`);
  }
  if (expected.form) {
    const form = Object.fromEntries(new URLSearchParams(raw).entries());
    if (!isDeepStrictEqual(form, expected.form)) out.push(`form ${JSON.stringify(form)}, expected ${JSON.stringify(expected.form)}`);
  }
  if (expected.body !== undefined && raw !== expected.body) out.push(`body ${JSON.stringify(raw.slice(0, 200))}, expected ${JSON.stringify(expected.body.slice(0, 200))}`);
  if (expected.multipartFile) {
    const { field, filename, content } = expected.multipartFile;
    if (!contentType.startsWith('multipart/form-data')) out.push(`content-type ${contentType}, expected multipart/form-data`);
    const disposition = new RegExp(`Content-Disposition: form-data; name="${field}"${filename ? `; filename="${filename}"` : ''}`, 'i');
    if (!disposition.test(raw)) out.push(`no multipart part named ${field}${filename ? ` with filename ${filename}` : ''}`);
    if (!raw.includes(content)) out.push('multipart body does not hold the file content');
  }
  return out;
}

function substitute(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{(\w+)\}\}/g, (m, name: string) => {
      if (!(name in vars)) throw new Error(`replay fixture uses {{${name}}} but the test gave no such variable`);
      return vars[name]!;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}
