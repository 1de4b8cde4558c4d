import { spawn } from 'node:child_process';
import path from 'node:path';
import { hasStackTrace, repoRoot } from '../helpers/cli';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';
import { testServerAddress } from '../helpers/temporal';

/** `strawberry status --watch` shows per-problem progress (the shards' heartbeats) while a round estimates pass rates. */
useRunsDir();

describe('status --watch', () => {
  let h: CampaignHarness | undefined;
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
  });

  it('prints the problems done of the running estimation shards', async () => {
    // Slow answers (250 ms): estimation lasts several of the watch's 0.3 s refreshes even on an idle machine,
    // where lanes follow the provider's concurrency and 40 ms answers finished between two refreshes.
    h = await startCampaignHarness({ label: 'watch', simConfig: { faults: { latencyMs: 250 } }, configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 } }) });
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/strawberry.js'), 'status', h.name, '--watch', '--interval', '0.3'], {
      cwd: repoRoot,
      env: { ...process.env, TEMPORAL_ADDRESS: testServerAddress(), TEMPORAL_NAMESPACE: 'default' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const progress = /phase estimate \(shards \d+\/\d+, problems (\d+)\/(\d+) in \d+ running shards?\)/g;
    try {
      const deadline = Date.now() + 120_000;
      while (child.exitCode === null && Date.now() < deadline && [...out.matchAll(progress)].length < 2) await new Promise((r) => setTimeout(r, 200));
      const seen = [...out.matchAll(progress)].map((m) => [Number(m[1]), Number(m[2])] as const);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      for (const [done, total] of seen) {
        expect(total).toBeGreaterThan(0);
        expect(done).toBeLessThanOrEqual(total);
      }
      expect(hasStackTrace(err)).toBe(false);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
