import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/**
 * The `fetch` the chat client hands the openai SDK: one request over Node's own http/https modules with
 * keep-alive agents. Measured against the sim (32 requests in flight, n = 20): about 1.0 ms of CPU per
 * request through the SDK, against 1.6-2.7 ms with the global (undici) fetch, whose web streams and
 * per-request objects cost more than the request itself; at hundreds of requests a second that difference is
 * what keeps a worker's event loop free (bench:scale).
 *
 * It handles what the chat client sends (a JSON string body, an abort signal) and answers a whole buffered
 * `Response`; anything else (a streamed or multipart body) goes to the global fetch. No redirects are
 * followed (chat completions are not redirected) and no compression is asked for (a compressed answer is
 * still decoded).
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export const keepAliveFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
  const body = init.body;
  if (input instanceof Request || (body !== undefined && body !== null && typeof body !== 'string')) return fetch(input, init);
  const url = new URL(String(input));
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return fetch(input, init);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => {
    headers[k] = v;
  });
  if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body));
  const signal = init.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: init.method ?? 'GET', agent, headers, signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(signal?.aborted ? abortError(signal) : err));
        // A socket closed mid-body (server gone, abort): no 'end' comes.
        res.on('close', () => {
          if (!res.complete) reject(signal?.aborted ? abortError(signal) : new Error('connection closed before the response ended'));
        });
        res.on('end', () => {
          let raw: Buffer = Buffer.concat(chunks);
          const out = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          try {
            raw = decode(raw, out.get('content-encoding'));
          } catch (err) {
            return reject(err);
          }
          out.delete('content-encoding');
          out.delete('content-length');
          const status = res.statusCode ?? 502;
          // Statuses without a body may not carry one in a Response.
          const nullBody = status === 204 || status === 205 || status === 304;
          resolve(new Response(nullBody ? null : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), { status, statusText: res.statusMessage ?? '', headers: out }));
        });
      },
    );
    request.on('error', (err) => reject(signal?.aborted ? abortError(signal) : err));
    request.end(body ?? undefined);
  });
};

function decode(raw: Buffer, encoding: string | null): Buffer {
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
      throw new Error(`response has an unsupported content-encoding: ${encoding}`);
  }
}

/** What fetch rejects with when its signal aborts: an AbortError (the SDK maps it to a timeout or an abort). */
function abortError(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error('This operation was aborted');
  err.name = 'AbortError';
  return err;
}
