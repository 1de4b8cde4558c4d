import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import { completedRounds } from '../../lib/campaign/resume';
import { promotionPairs, type HeldOutProblemResult } from '../../lib/campaign/roundDecision';
import { compareLevel } from '../../lib/registry/decidePromotion';
import { DirectoryRunStore } from '../../lib/store';
import { campaignReport } from '../../lib/report/campaignReport';
import { renderHtmlReport } from '../../lib/report/html';
import { SKILL_HEATMAP_ID, skillHeatmapCells } from '../../lib/report/skillHeatmap';
import { writeTextAtomic } from '../../lib/atomicFile';
import { repoRoot, startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';
import { hasStackTrace, runCli } from '../helpers/cli';
import { recordHistory } from '../helpers/recordHistory';
import { roundWorkflowId } from '../../workflows/round';
import { describeUnless } from '../helpers/skip';

/**
 * Issue 27 acceptance: config/skills-sim.yaml (three skills of different learnability) on the real dev server
 * and the sim. The quick skill ends at its last level, the slow one is still climbing, the third is parked with
 * a reason and its share of samples falls below 10% once parked; no promoted round regresses any skill.
 */
const runsDir = useRunsDir();

let h: CampaignHarness | undefined;

describe('a frontier per skill', () => {
  afterAll(async () => h?.teardown());

  it('climbs each skill at its own pace and parks the one that cannot be learned', async () => {
    h = await startCampaignHarness({ label: 'skills', configFile: path.join(repoRoot, 'config/skills-sim.yaml') });
    const outcome = await h.result();
    // A per-skill round for tests/integration/replay.test.ts (STRAWBERRY_RECORD_HISTORIES=1).
    await recordHistory(h.client, 'round-skills.json', roundWorkflowId(h.name, 2));
    const rounds = await completedRounds(new DirectoryRunStore(runsDir), h.name);
    expect(rounds.length).toBe(outcome.rounds.length);
    const table = rounds.map((r) => `r${r.summary.round} ${r.summary.outcome}: ${r.summary.skills!.map((s) => `${s.skill}@${s.frontier}->${s.nextFrontier} ${s.status} ${s.samples}s ${s.bandSize}b ${(100 * s.share).toFixed(0)}%`).join(' | ')}`);
    process.stderr.write(`${table.join('\n')}\n${outcome.stopReason}\n`);

    const last = rounds.at(-1)!.skillStates!;
    const byName = (n: string) => last.find((s) => s.skill === n)!;
    expect(byName('quick')).toMatchObject({ status: 'done', frontier: 2 });
    expect(byName('slow').frontier).toBeLessThan(8); // not at its last level (8)
    expect(byName('slow').status).toBe('climbing');
    expect(byName('out-of-reach').status).toBe('parked');
    expect(byName('out-of-reach').reason).toMatch(/no band/);

    // Once parked, the third skill's share of the samples drawn for training data falls below 10%.
    const parkedAt = rounds.findIndex((r) => r.summary.skills!.find((s) => s.skill === 'out-of-reach')!.status === 'parked');
    expect(parkedAt).toBeGreaterThanOrEqual(0);
    const after = rounds.slice(parkedAt + 1).flatMap((r) => r.summary.skills!);
    expect(after.length).toBeGreaterThan(0);
    const total = after.reduce((n, s) => n + s.samples, 0);
    const parked = after.filter((s) => s.skill === 'out-of-reach').reduce((n, s) => n + s.samples, 0);
    expect(parked / total).toBeLessThan(0.1);

    // Every promoted round: no skill regressed beyond the tolerance on any of its held-out levels up to its frontier.
    const tolerance = h.config.evaluation.regressionTolerance;
    const promoted = rounds.filter((r) => r.summary.promoted);
    expect(promoted.length).toBeGreaterThan(0);
    for (const r of promoted) {
      const evaluation = await new DirectoryRunStore(runsDir).readJson<{ perProblem: HeldOutProblemResult[] }>(`${h.name}/round-${r.summary.round}/evaluation.json`);
      const pairs = promotionPairs(evaluation.perProblem);
      for (const s of r.summary.skills!) {
        for (const level of s.levels.filter((l) => l <= s.frontier)) {
          const c = compareLevel(level, pairs.filter((p) => p.level === level), { confidence: 0.95, resamples: 2000, seed: r.summary.model });
          expect({ round: r.summary.round, skill: s.skill, level, regressed: c.problems > 0 && c.upper < 0 && c.estimate < -tolerance }).toMatchObject({ regressed: false });
        }
      }
    }
  }, 600_000);

  it('`report` shows a row per skill and round; `report --json` rounds[].skills[] matches the pinned schema', () => {
    const env = { ...process.env, STRAWBERRY_RUNS_DIR: runsDir };
    const json = runCli(['report', h!.name, '--json'], { env, timeoutMs: 120_000 });
    expect(hasStackTrace(json.stderr)).toBe(false);
    expect(json.status).toBe(0);
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(path.join(repoRoot, 'tests/fixtures/schemas/report-skills.schema.json'), 'utf8')));
    const doc = JSON.parse(json.stdout) as { rounds: { skills: { skill: string }[] }[] };
    if (!validate(doc)) throw new Error(JSON.stringify(validate.errors, null, 2));
    expect(doc.rounds[0]!.skills.map((s) => s.skill)).toEqual(['quick', 'slow', 'out-of-reach']);
    const text = runCli(['report', h!.name], { env, timeoutMs: 120_000 });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/Skills per round:/);
    expect(text.stdout).toMatch(/out-of-reach.*parked: no band/);
  }, 300_000);
});

/** The skill x level heat map of `report --html`, rendered in headless Chromium (as tests/e2e/afterDemo.test.ts does). */
const chromium = ['chromium', 'chromium-browser'].find((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0);
describeUnless(chromium || process.env.CI ? undefined : 'no chromium on PATH (Debian: apt-get install chromium)')('the skill heat map of the HTML report', () => {
  it('draws one cell per skill, level and round', async () => {
    const report = await campaignReport(new DirectoryRunStore(runsDir), h!.name);
    const cells = skillHeatmapCells(report);
    expect(new Set(cells.map((c) => c.skill))).toEqual(new Set(['quick', 'slow', 'out-of-reach']));
    const outDir = path.join(repoRoot, 'tests/output/report-html');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `${h!.name}.html`);
    await writeTextAtomic(file, renderHtmlReport(report));
    const dom = spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=20000', '--dump-dom', pathToFileURL(file).href], { encoding: 'utf8', timeout: 120_000 }).stdout;
    expect(dom).toMatch(/<body[^>]*data-rendered="\d+"/);
    expect(dom).not.toMatch(/data-render-error/);
    const marks = new RegExp(`<div[^>]*\\bid="${SKILL_HEATMAP_ID}"[^>]*data-marks="(\\d+)"`).exec(dom);
    expect(marks).not.toBeNull();
    expect(Number(marks![1])).toBe(cells.length);
  }, 300_000);
});
