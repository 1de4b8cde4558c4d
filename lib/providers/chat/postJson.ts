import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/**
 * JSON requests (a POST, and the GET of a stored-completions lookup) over Node's own http/https modules with keep-alive agents: the chat client's transport.
 *
 * Why not the openai SDK's request path (global fetch, Request/Response/Headers objects, web streams):
 * against the sim with 32 requests in flight and n = 20 it cost 1.6-2.7 ms of event-loop CPU per request
 * (1.0 with a node:http fetch under the SDK; 0.85-1.4 through axios with a keep-alive agent), this path
 * 0.4-0.8 ms. At hundreds of requests a second that is what keeps a worker's lanes from waiting on its own
 * event loop (bench:scale). The SDK's error classes still describe every failure (lib/providers/chat/chatCompletions.ts).
 */

export interface JsonAnswer {
  status: number;
  /** Header names lower-cased (Node's), values joined. */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request that did not get an answer: the connection failed, or `timeoutMs` passed. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export function postJson(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<JsonAnswer> {
  return requestJson('POST', url, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body, timeoutMs);
}

/** One GET on the same keep-alive agents (the stored-completions lookup). */
export function getJson(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<JsonAnswer> {
  return requestJson('GET', url, headers, undefined, timeoutMs);
}

function requestJson(method: 'GET' | 'POST', url: URL, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<JsonAnswer> {
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new TransportError(`unsupported protocol ${url.protocol} in ${url.origin}`, false));
  return new Promise<JsonAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (err: TransportError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    };
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      { method, agent, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => fail(new TransportError(`response failed: ${err.message}`, false, err)));
        // A socket closed mid-body: no 'end' comes.
        res.on('close', () => {
          if (!res.complete) fail(new TransportError('connection closed before the response ended', false));
        });
        res.on('end', () => {
          if (settled) return;
          let raw: Buffer = Buffer.concat(chunks);
          try {
            raw = decode(raw, res.headers['content-encoding']);
          } catch (err) {
            return fail(new TransportError(`could not decode the response: ${(err as Error).message}`, false, err));
          }
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: raw });
        });
      },
    );
    const timer = setTimeout(() => {
      fail(new TransportError(`request timed out after ${timeoutMs} ms`, true));
      request.destroy();
    }, timeoutMs);
    request.on('error', (err) => fail(new TransportError(`connection error: ${err.message}`, false, err)));
    request.end(body);
  });
}

function decode(raw: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return raw;
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(raw);
    case 'deflate':
      return zlib.inflateSync(raw);
    case 'br':
      return zlib.brotliDecompressSync(raw);
    default:
      throw new Error(`unsupported content-encoding ${encoding}`);
  }
}
