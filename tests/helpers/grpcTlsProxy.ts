import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

/**
 * A TLS front for the plaintext dev server (`temporal server start-dev` has no TLS flags): a real HTTP/2 server
 * on node:http2 that terminates TLS (optionally requiring a client certificate signed by `clientCa`, i.e.
 * mTLS), optionally requires `authorization: Bearer <apiKey>` as Temporal Cloud does (gRPC UNAUTHENTICATED
 * otherwise), and forwards every gRPC stream, trailers included, to the dev server.
 */
export interface GrpcTlsProxy {
  address: string;
  /** gRPC calls that carried the expected API key / that were refused for a missing or wrong one. */
  counts: { authorized: number; refused: number; streams: number };
  close(): Promise<void>;
}

export async function startGrpcTlsProxy(opts: { upstream: string; cert: string; key: string; clientCa?: string; apiKey?: string }): Promise<GrpcTlsProxy> {
  const upstream = http2.connect(`http://${opts.upstream}`);
  upstream.on('error', () => undefined);
  const counts = { authorized: 0, refused: 0, streams: 0 };
  const server = http2.createSecureServer({
    cert: readFileSync(opts.cert),
    key: readFileSync(opts.key),
    ...(opts.clientCa ? { ca: readFileSync(opts.clientCa), requestCert: true, rejectUnauthorized: true } : {}),
  });
  server.on('stream', (stream, headers) => {
    counts.streams += 1;
    if (opts.apiKey !== undefined) {
      if (headers.authorization !== `Bearer ${opts.apiKey}`) {
        counts.refused += 1;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'Request unauthorized: missing or wrong API key' }, { endStream: true });
        return;
      }
      counts.authorized += 1;
    }
    const forward: http2.OutgoingHttpHeaders = { ':method': headers[':method'] as string, ':path': headers[':path'] as string };
    for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':') && v !== undefined) forward[k] = v;
    const req = upstream.request(forward);
    let trailers: http2.OutgoingHttpHeaders = {};
    req.on('response', (h, flags) => {
      const out: http2.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(h)) if (!k.startsWith(':') || k === ':status') out[k] = v;
      if (stream.destroyed) return;
      if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) {
        stream.respond(out, { endStream: true }); // a trailers-only answer (a gRPC error)
        return;
      }
      stream.respond(out, { waitForTrailers: true });
      req.pipe(stream);
    });
    req.on('trailers', (t) => {
      trailers = {};
      for (const [k, v] of Object.entries(t)) if (!k.startsWith(':')) trailers[k] = v as string | string[];
    });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    stream.pipe(req);
    req.on('error', () => !stream.destroyed && stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    stream.on('error', () => undefined);
    stream.on('close', () => !req.destroyed && req.close(http2.constants.NGHTTP2_CANCEL));
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('sessionError', () => undefined);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    counts,
    close: async () => {
      // Open sessions (a worker's long polls) would hold close() forever.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sessions) s.destroy();
      upstream.destroy();
      await closed;
    },
  };
}
