import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/**
 * Debian's headless Chromium, as tests/e2e/afterDemo.test.ts and tests/integration/skills.test.ts drive it
 * (.ci/run installs it): the binary on PATH, the reason to skip without it (CI must have it, so there it does
 * not skip), and a run of it on a local file with every network request refused, so a page that needed the
 * network would show it.
 */
export const chromium = ['chromium', 'chromium-browser'].find((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0);

export const noChromiumReason = chromium || process.env.CI ? undefined : 'no chromium on PATH (Debian: apt-get install chromium)';

/** Flags that leave the browser no way out: every host resolves to nothing and every proxy request fails. */
const OFFLINE = ['--host-resolver-rules=MAP * ~NOTFOUND', '--proxy-server=127.0.0.1:9', '--disable-background-networking'];

/** Chromium on `file` (with `#fragment` if given), headless and offline; `args` e.g. `--dump-dom` or `--screenshot=...`. */
export function chromiumOn(file: string, args: string[], fragment = ''): ReturnType<typeof spawnSync> & { stdout: string } {
  const url = `${pathToFileURL(file).href}${fragment}`;
  return spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=20000', ...OFFLINE, ...args, url], { encoding: 'utf8', timeout: 120_000 }) as ReturnType<typeof spawnSync> & { stdout: string };
}
