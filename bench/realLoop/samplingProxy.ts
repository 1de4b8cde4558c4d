import http from 'node:http';

/**
 * A pass-through HTTP proxy in front of the local model server that records when chat completions are in
 * flight: the sampling time of a round, as the orchestrator sees it (request to answer, model time included).
 */
export interface SamplingProxy {
  baseURL: string;
  /** [start, end] in ms of every /chat/completions request so far. */
  intervals: [number, number][];
  close(): Promise<void>;
}

export async function startSamplingProxy(target: string): Promise<SamplingProxy> {
  const up = new URL(target);
  const intervals: [number, number][] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const start = Date.now();
    const sampling = (req.url ?? '').endsWith('/chat/completions');
    const fwd = http.request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers, agent }, (ans) => {
      res.writeHead(ans.statusCode ?? 502, ans.headers);
      ans.pipe(res);
      ans.on('end', () => sampling && intervals.push([start, Date.now()]));
    });
    fwd.on('error', (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    baseURL: `http://127.0.0.1:${port}${up.pathname}`,
    intervals,
    close: () => new Promise((resolve) => (agent.destroy(), server.close(() => resolve()))),
  };
}

/** Total length of the union of intervals, clipped to [from, to]. */
export function coveredMs(intervals: readonly [number, number][], from: number, to: number): number {
  const clipped = intervals.map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as [number, number]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const iv of clipped) {
    if (cur && iv[0] <= cur[1]) cur[1] = Math.max(cur[1], iv[1]);
    else {
      if (cur) total += cur[1] - cur[0];
      cur = [...iv];
    }
  }
  return total + (cur ? cur[1] - cur[0] : 0);
}
