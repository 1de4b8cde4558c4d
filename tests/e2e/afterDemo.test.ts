import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { campaignWorkflowId } from '../../workflows/campaign';
import { roundWorkflowId } from '../../workflows/round';
import { hasStackTrace, repoRoot, runCli } from '../helpers/cli';
import { describeUnless } from '../helpers/skip';

/**
 * After the demo exits, the way it prints to look at the campaign works: `strawberry ui <name>` reopens the
 * same SQLite database with the Web UI on the same port (the printed link answers again), and with no worker
 * running the campaign's and rounds' memos hold the round table.
 */
const home = mkdtempSync(path.join(os.tmpdir(), 'strawberry-after-demo-home-'));
const runsDir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-after-demo-runs-'));
// Its own dev server in its own state dir (no TEMPORAL_ADDRESS), as `npm start` runs on a fresh machine.
const env = { ...process.env, TEMPORAL_ADDRESS: '', STRAWBERRY_HOME: home, STRAWBERRY_RUNS_DIR: runsDir, STRAWBERRY_LOG_LEVEL: 'warn' };
delete (env as Record<string, string | undefined>).TEMPORAL_ADDRESS;
const name = `after-demo-${Date.now().toString(36)}`;

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

let demoOut = '';
beforeAll(() => {
  const res = runCli(['demo', '--name', name, '--config', path.join(repoRoot, 'tests/fixtures/campaigns/small.yaml')], { env, timeoutMs: 400_000 });
  demoOut = res.stdout;
  expect(hasStackTrace(res.stderr)).toBe(false);
  expect(res.status).toBe(0);
}, 420_000);

describe('after the demo', () => {

  it('its last lines say how to look at the campaign, and `strawberry ui` reopens it on the printed link with no worker', async () => {
    const tail = demoOut.trimEnd().split('\n').slice(-3).join('\n');
    expect(tail).toMatch(/To look at this campaign afterwards/);
    const uiLine = new RegExp(`npm run strawberry -- ui ${name} .*(http://127\\.0\\.0\\.1:\\d+/namespaces/default/workflows/\\S+)`).exec(tail);
    expect(uiLine).not.toBeNull();
    const link = uiLine![1]!;
    expect(tail).toMatch(new RegExp(`report ${name} --html`));

    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/strawberry.js'), 'ui', name], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 120_000;
      while (!/Press Ctrl-C/.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(err).not.toMatch(/unexpected error/);
      expect(out).toContain(`Web UI: ${link}`);
      expect(await httpStatus(link)).toBe(200);

      const address = /Temporal dev server on (\S+)/.exec(out)![1]!;
      const connection = await Connection.connect({ address });
      try {
        const client = new Client({ connection });
        const d = await client.workflow.getHandle(campaignWorkflowId(name)).describe();
        const memo = d.memo as { summary: string; details: string };
        expect(JSON.stringify(memo).length).toBeLessThan(2048);
        expect(memo.summary).toMatch(/stopped/);
        const rows = [...memo.details.matchAll(/^\| (\d+) \| \d+ \|.*$/gm)];
        expect(rows.length).toBeGreaterThanOrEqual(1);
        for (const [row, round] of rows) {
          const rd = await client.workflow.getHandle(roundWorkflowId(name, Number(round))).describe();
          expect(JSON.stringify(rd.memo).length).toBeLessThan(2048);
          const rm = rd.memo as { details: string; round: { phase: string } };
          expect(rm.round.phase).toBe('done');
          expect(rm.details.split('\n')).toContain(row);
        }
      } finally {
        await connection.close();
      }
    } finally {
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  }, 200_000);
});

/**
 * `report --html` of the demo campaign, opened in headless Chromium (Debian's `chromium`; .ci/run installs it):
 * every chart rendered marks, and a screenshot is kept under the test's output directory.
 */
const chromium = ['chromium', 'chromium-browser'].find((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0);
describeUnless(chromium || process.env.CI ? undefined : 'no chromium on PATH (Debian: apt-get install chromium)')('the HTML report of the demo campaign', () => {
  it('renders every chart with marks in headless Chromium', () => {
    const outDir = path.join(repoRoot, 'tests/output/report-html');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `${name}.html`);
    const res = runCli(['report', name, '--html', file], { env, timeoutMs: 120_000 });
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.status).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained: nothing fetched
    const browser = (args: string[]) =>
      spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=20000', ...args, pathToFileURL(file).href], { encoding: 'utf8', timeout: 120_000 });
    const dom = browser(['--dump-dom']).stdout;
    expect(dom).toMatch(/<body[^>]*data-rendered="\d+"/);
    expect(dom).not.toMatch(/data-render-error/);
    const charts = [...dom.matchAll(/<div[^>]*\bid="([a-z0-9-]+)"[^>]*data-marks="(\d+)"/g)].map((m) => [m[1]!, Number(m[2])] as const);
    const ids = charts.map(([id]) => id);
    expect(ids).toEqual(expect.arrayContaining(['frontier', 'accuracy', 'composition', 'tokens', 'passrates-1']));
    expect(charts.length).toBe(Number(/data-rendered="(\d+)"/.exec(dom)![1]));
    for (const [id, marks] of charts) expect({ id, marks: marks > 0 }).toEqual({ id, marks: true });
    const shot = path.join(outDir, `${name}.png`);
    browser(['--window-size=1000,2600', `--screenshot=${shot}`]);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  }, 300_000);
});
