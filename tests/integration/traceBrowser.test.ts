import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DirectoryRunStore } from '../../lib/store';
import { roundTraces } from '../../lib/report/traces';
import { traceAnchor } from '../../lib/report/traceBrowser';
import { repoRoot, startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';
import { chromiumOn, noChromiumReason } from '../helpers/chromium';
import { hasStackTrace, runCli } from '../helpers/cli';
import { describeUnless } from '../helpers/skip';

/**
 * Issue 25, reading traces: a real one-round sim campaign (real dev server, worker, sim), then
 * `strawberry traces` on its run store, and `report --html` opened in headless Chromium with no network:
 * the trace browser shows a dropped trace with its reason, the decision column is words, and a screenshot of
 * the page with a dropped trace opened is kept under tests/output/report-html.
 */
const runsDir = useRunsDir();
const env = { ...process.env, STRAWBERRY_RUNS_DIR: runsDir };
let h: CampaignHarness | undefined;

beforeAll(async () => {
  h = await startCampaignHarness({ label: 'traces', configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 } }) });
  await h.result();
}, 600_000);
afterAll(async () => h?.teardown());

/** A dropped trace of round 1 and the decisions of the round, read through the lib the CLI and the page use. */
async function round1() {
  const r = await roundTraces(new DirectoryRunStore(runsDir), h!.name, 1);
  const dropped = r.rows.find((t) => !t.verdict.kept);
  if (!dropped) throw new Error(`round 1 of ${h!.name} dropped no trace: the test needs one`);
  return { r, dropped };
}

describe('strawberry traces', () => {
  it('lists every trace of the round; a dropped one with its reason; the decisions agree with the dataset', async () => {
    const { r, dropped } = await round1();
    const res = runCli(['traces', h!.name, '--round', '1'], { env, timeoutMs: 120_000 });
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.status).toBe(0);
    const kept = r.rows.filter((t) => t.verdict.kept).length;
    expect(res.stdout).toContain(`${r.rows.length} traces (${kept} kept, ${r.rows.length - kept} dropped)`);
    const line = res.stdout.split('\n').find((l) => l.includes(` ${dropped.problemId} `) && /\bdropped\b/.test(l) && l.includes(dropped.verdict.why));
    expect(line).toBeDefined();
    // dataset-stats.json holds what the dataset step counted when it ran: the recomputed decisions match it.
    const stats = JSON.parse(readFileSync(path.join(runsDir, h!.name, 'round-1/dataset-stats.json'), 'utf8')) as { dropped: Record<string, number> };
    expect(kept).toBe(stats.dropped.kept);
    expect(r.rows.filter((t) => t.verdict.code === 'incorrect').length).toBe(stats.dropped.incorrect);

    const only = runCli(['traces', h!.name, '--dropped', '--json'], { env, timeoutMs: 120_000 });
    expect(only.status).toBe(0);
    const doc = JSON.parse(only.stdout) as { rounds: { traces: { kept: boolean; reason: string }[] }[] };
    expect(doc.rounds[0]!.traces.length).toBe(r.rows.length - kept);
    expect(doc.rounds[0]!.traces.every((t) => !t.kept && t.reason.length > 0)).toBe(true);
  }, 300_000);

  it('--problem shows each trace in full: every turn, flags, final check, grade and decision', async () => {
    const { dropped } = await round1();
    const res = runCli(['traces', h!.name, '--round', '1', '--problem', dropped.problemId], { env, timeoutMs: 120_000 });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(`Round 1, problem ${dropped.problemId}, sample ${dropped.sampleIndex}`);
    for (const label of ['  grade: ', '  final check: asked ', '  verifier flags:', `  decision: dropped: ${dropped.verdict.why}`]) expect(res.stdout).toContain(label);
    expect(res.stdout).toMatch(/^ {2}\[0\] system$/m);
    expect(res.stdout).toMatch(/^ {2}\[2\] assistant/m);
  }, 300_000);

  it('usage errors exit 2 with one line and no stack trace', () => {
    const cases = [
      { args: ['traces', h!.name, '--round', '99'], message: /--round 99: this campaign has no traces for round 99; rounds with traces: 1/ },
      { args: ['traces', h!.name, '--round', 'two'], message: /--round two: expected a round number/ },
      { args: ['traces', 'no-such-campaign'], message: /no campaign "no-such-campaign"/ },
      { args: ['traces', h!.name, '--kept', '--dropped'], message: /exclude each other/ },
      { args: ['traces', h!.name, '--problem', 'no-such-problem'], message: /no trace of problem "no-such-problem"/ },
    ];
    for (const c of cases) {
      const res = runCli(c.args, { env, timeoutMs: 120_000 });
      expect({ args: c.args, status: res.status }).toEqual({ args: c.args, status: 2 });
      expect(hasStackTrace(res.stderr)).toBe(false);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(c.message);
    }
  }, 300_000);
});

describeUnless(noChromiumReason)('the trace browser of the HTML report', () => {
  it('loads with no network; a dropped trace shows its reason; the decision column is words; a screenshot is kept', async () => {
    const { dropped } = await round1();
    const outDir = path.join(repoRoot, 'tests/output/report-html');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `${h!.name}.html`);
    const res = runCli(['report', h!.name, '--html', file], { env, timeoutMs: 120_000 });
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.status).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained: nothing fetched (and the browser below has no network)
    expect(html).not.toMatch(/<link[^>]+href=/);

    const anchor = traceAnchor(dropped);
    const dom = chromiumOn(file, ['--dump-dom']).stdout;
    expect(dom).toMatch(/<body[^>]*data-rendered="\d+"/); // the charts drew offline, too
    expect(dom).not.toMatch(/data-render-error/);
    const details = new RegExp(`(<details class="trace dropped" id="${anchor}"[^>]*>)([\\s\\S]*?)</details>`).exec(dom);
    expect(details).not.toBeNull();
    // The serialised DOM writes quotes in text as they are (the file has them escaped).
    expect(details![2]).toContain(`<dd class="reason">dropped: ${dropped.verdict.why}</dd>`);
    expect(details![2]).toMatch(/<summary>[\s\S]*<span class="verdict">dropped: /);
    expect(details![2]).toContain('final check');

    // The lineage table's decision column: words, never a JSON object.
    const lineage = /<table id="lineage">([\s\S]*?)<\/table>/.exec(dom)![1]!;
    const decisions = [...lineage.matchAll(/<td class="decision-cell">([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
    expect(decisions.length).toBeGreaterThanOrEqual(2);
    for (const d of decisions) expect(d).not.toMatch(/[{}]|&quot;\w+&quot;:/);
    expect(lineage).toMatch(/(promoted|rejected): [+\u2212]\d\.\d\d on level \d+ \(/);

    // The picture: the whole page (the trace browser sits below the charts) with the dropped trace opened, as a
    // click opens it. Headless Chromium neither clicks without a script nor draws a page scrolled to a fragment,
    // so the copy for the picture has the `open` attribute that a click would set; the page itself is unchanged.
    const opened = path.join(outDir, `${h!.name}-opened.html`);
    writeFileSync(opened, html.replace(`<details class="trace dropped" id="${anchor}"`, `<details open class="trace dropped" id="${anchor}"`));
    const shot = path.join(outDir, `${h!.name}-traces.png`);
    chromiumOn(opened, ['--window-size=1000,8000', `--screenshot=${shot}`]);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  }, 300_000);
});
