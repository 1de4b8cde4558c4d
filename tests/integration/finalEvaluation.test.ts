import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ResolvedCampaignConfig } from '../../lib/config/load';
import type { FinalEvaluation } from '../../lib/eval/finalEvaluation';
import { loadCurriculum } from '../../lib/curriculum';
import { campaignReport } from '../../lib/report/campaignReport';
import { renderHtmlReport } from '../../lib/report/html';
import { DirectoryRunStore } from '../../lib/store';
import { DEFAULT_BASE_MODELS } from '../../sim';
import { campaignWorkflowId } from '../../workflows/campaign';
import type { FinalEvaluationInput } from '../../activities/finalEvaluation';
import { runCli } from '../helpers/cli';
import { recordHistory } from '../helpers/recordHistory';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * A campaign with reference models (`evaluation.references`) is evaluated at round 0 and at its end on every
 * level of the curriculum (not only up to the frontier's next one): base, final model and each reference, with
 * pass@1 and its interval, pass@k and maj@k. The end reads round 0's draws back, and a retried or resumed final
 * evaluation draws no sample twice (the sim counts the choices it served).
 */
const runsDir = useRunsDir();

describe('final evaluation with reference models', () => {
  let h: CampaignHarness | undefined;
  afterAll(async () => h?.teardown());

  it('covers every level, includes the references, and never draws a sample twice', async () => {
    process.env.STRAWBERRY_LOG_LEVEL ??= 'warn';
    const activities = require('../../activities') as typeof import('../../activities');
    const attempts: { stage: string; attempt: number; choicesBefore: number; choicesAfter: number; drawn?: number }[] = [];
    const failed = new Set<string>();
    let input: FinalEvaluationInput | undefined;
    h = await startCampaignHarness({
      label: 'final-eval',
      // The reference: another base model of the sim, stronger than sim-student (as in config/eval-sim.yaml).
      // Training that gains enough for round 1 to promote on 8 problems per level (the final model is then new).
      simConfig: { models: [...DEFAULT_BASE_MODELS, { id: 'sim-reference', defaultAbility: 3.0 }], training: { maxGainPerJob: 2.5, saturation: 5 } },
      configure: (c): ResolvedCampaignConfig => ({
        ...c,
        stopping: { ...c.stopping, maxRounds: 1 },
        evaluation: {
          ...c.evaluation,
          samplesPerProblem: 4,
          finalK: 4,
          references: [
            // Served by the campaign's own provider (its key: that provider's apiKeyEnv) ...
            { name: 'reference', model: 'sim-reference' },
            // ... and on an endpoint of its own, as an eval config names it.
            { name: 'reference-endpoint', model: 'sim-reference', baseURL: process.env.STRAWBERRY_SIM_URL!, apiKeyEnv: 'STRAWBERRY_SIM_KEY', concurrency: 8 },
          ],
        },
      }),
      activityOverrides: {
        async evaluateFinal(args) {
          const choicesBefore = h!.sim.stats().choices;
          const ref = await activities.evaluateFinal(args);
          attempts.push({ stage: args.stage, attempt: Context.current().info.attempt, choicesBefore, choicesAfter: h!.sim.stats().choices, drawn: ref?.drawn });
          if (args.stage === 'final') input = args;
          // Each stage's first attempt fails after it drew everything: its retry must find it all in the ledger.
          if (!failed.has(args.stage)) {
            failed.add(args.stage);
            throw new Error('injected: the worker lost the result after the draws');
          }
          return ref;
        },
      },
    });
    const outcome = await h.result();
    expect(outcome.rounds).toHaveLength(1);
    expect(outcome.finalEvaluation).toBe(`${h.name}/evaluation-final.json`);
    expect(outcome.stopReason).not.toMatch(/final evaluation failed/);
    expect(attempts.map((a) => [a.stage, a.attempt])).toEqual([
      ['base', 1],
      ['base', 2],
      ['final', 1],
      ['final', 2],
    ]);

    const curriculum = await loadCurriculum(h.config.curriculumPath);
    const levelIds = curriculum.levels.filter((l) => l.problems.some((p) => p.heldOut)).map((l) => l.id);
    const read = (stage: string) => JSON.parse(readFileSync(path.join(runsDir, h!.name, `evaluation-${stage}.json`), 'utf8')) as FinalEvaluation;
    const base = read('base');
    const final = read('final');

    // Round 0: the base model and both references; the end: base, final and both references.
    expect(base.models.map((m) => m.name)).toEqual(['base', 'reference', 'reference-endpoint']);
    expect(final.models.map((m) => [m.name, m.role, m.model])).toEqual([
      ['base', 'base', h.config.student.baseModel],
      ['final', 'final', outcome.finalModel],
      ['reference', 'reference', 'sim-reference'],
      ['reference-endpoint', 'reference', 'sim-reference'],
    ]);
    // Every level of the curriculum (the campaign's frontier never got near the top ones), for every model.
    expect(final.levels.map((l) => l.id)).toEqual(levelIds);
    expect(levelIds.length).toBe(curriculum.levels.length);
    for (const m of final.models) {
      const rows = final.results.filter((r) => r.model === m.name);
      expect(rows.map((r) => r.level ?? 'all')).toEqual(['all', ...levelIds]);
      for (const r of rows) {
        expect(r.k).toBe(4);
        expect(r.pass1Interval[0]).toBeLessThanOrEqual(r.pass1);
        expect(r.pass1Interval[1]).toBeGreaterThanOrEqual(r.pass1);
        expect(Object.keys(r.passAtK).sort()).toEqual(['1', '4']);
        expect(Object.keys(r.majAtK).sort()).toEqual(['1', '4']);
        expect(r.passAtK['4']).toBeGreaterThanOrEqual(r.passAtK['1']! - 1e-9);
      }
    }
    // The reference (ability 3) beats the base model (ability 2) over all levels.
    const all = (name: string) => final.results.find((r) => r.model === name && r.level === undefined)!;
    expect(all('reference').pass1).toBeGreaterThan(all('base').pass1);

    const problems = final.levels.reduce((s, l) => s + l.problems, 0);
    // Round 0 drew k samples per problem for each of its 3 models (the two references are two endpoints: not shared);
    // its retry drew nothing, and the sim served nothing.
    expect(attempts[0]!.drawn).toBe(3 * problems * 4);
    expect(attempts[0]!.choicesAfter - attempts[0]!.choicesBefore).toBe(3 * problems * 4);
    expect(attempts[1]!.drawn).toBe(0);
    expect(attempts[1]!.choicesAfter).toBe(attempts[1]!.choicesBefore);
    // The end drew only for the final model (round 1 promoted it): base and references were read back from
    // round 0's draws.
    expect(outcome.rounds[0]!.outcome).toBe('promoted');
    const newAtEnd = problems * 4;
    expect(attempts[2]!.drawn).toBe(newAtEnd);
    expect(attempts[2]!.choicesAfter - attempts[2]!.choicesBefore).toBe(newAtEnd);
    expect(attempts[3]!.drawn).toBe(0);
    expect(attempts[3]!.choicesAfter).toBe(attempts[3]!.choicesBefore);
    expect(Object.fromEntries(final.models.map((m) => [m.name, m.drawn]))).toEqual({ base: 0, final: 0, reference: 0, 'reference-endpoint': 0 });

    // A resumed campaign's final evaluation (run again, outside the workflow): nothing drawn either.
    const before = h.sim.stats().choices;
    const again = (await new MockActivityEnvironment().run(activities.evaluateFinal, input!)) as Awaited<ReturnType<typeof activities.evaluateFinal>>;
    expect(again?.drawn).toBe(0);
    expect(h.sim.stats().choices).toBe(before);

    // The history of the run that finished, with the final evaluation, for tests/integration/replay.test.ts.
    await recordHistory(h.client, 'campaign-final-evaluation.json', campaignWorkflowId(h.name));

    // The report: text, JSON and HTML show the table.
    const report = await campaignReport(new DirectoryRunStore(runsDir), h.name);
    expect(report.finalEvaluation?.final?.models).toHaveLength(4);
    expect(report.evaluationTokens?.some((t) => t.phase === 'eval' && t.model === 'sim-reference')).toBe(true);
    const html = renderHtmlReport(report);
    expect(html).toContain('<table id="final-evaluation">');
    expect(html).toMatch(/<td>reference-endpoint<\/td><td>all<\/td>/);
    const rep = runCli(['report', h.name], { env: { ...process.env, STRAWBERRY_RUNS_DIR: runsDir } });
    expect(rep.status).toBe(0);
    expect(rep.stdout).toMatch(/Final evaluation: arithmetic, every level, 4 sample\(s\) per problem/);
    expect(rep.stdout).toMatch(/^reference\s+mixed-4terms\s+\d+\s+[\d.]+\s+[\d.]+-[\d.]+\s+[\d.]+\s+[\d.]+$/m);
    expect(rep.stdout).toMatch(/^0\s+eval\s+sim-reference\s+\d+/m);
  });
});
