/**
 * Promotion bench: how often the promotion rule (lib/registry/decidePromotion.ts, paired bootstrap over
 * held-out problems) promotes a candidate that is no better than its parent, and how often it promotes one
 * that is truly better by a stated margin. Seeded trials against the sim (in-process, over loopback HTTP, with
 * its real pass-rate dynamics), evaluated the way activities/evaluation.ts does: the same held-out problems
 * for both models (a seeded draw per trial when a level has more than the held-out size), `samples` CoT
 * samples per problem and model, then the decision with the config's defaults.
 *
 * - null trials: the candidate has exactly the parent's ability (what a fine-tune that teaches nothing gives);
 *   any promotion is a false promotion (goal <= 5%).
 * - margin trials: the candidate's ability is raised so that its mean pass rate on the frontier's held-out
 *   problems is higher by `margin` (default +0.15); the share promoted is the power (goal >= 90%).
 *
 * The frontier is level 1 of the arithmetic curriculum (the base student's pass rate there is about 0.5), with
 * level 0 below it. Sizes: the demo curriculum's own held-out split (12 and 16 problems), and a scaled copy
 * with 80 held-out frontier problems from which `held-out` are drawn per trial.
 *
 * In-process by default (the sim's responder and the campaign's grader, no HTTP; fast on 2 cores); `--http`
 * sends every sample through the sim's HTTP server and the openai SDK instead (same answers, slower).
 *
 *   npm run bench:promotion -- [--trials 400] [--samples 8] [--held-out 40] [--margin 0.15] [--seed 1] [--http]
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { heldOutProblems } from '../activities/evaluation';
import { CampaignConfigSchema } from '../lib/config/schema';
import { loadCurriculum } from '../lib/curriculum';
import type { Curriculum, Problem } from '../lib/curriculum/types';
import { gradeAnswer } from '../lib/grading/gradeAnswer';
import { createOpenAIChatProvider } from '../lib/providers/chat';
import { decidePromotion, type ProblemPair } from '../lib/registry';
import { COT_SYSTEM_PROMPT, generateCotSample, problemPrompt, samplingSeed } from '../lib/traces';
import { parseSimConfig, passProbability, ProblemIndex, startSim } from '../sim';
import { respond } from '../sim/responder';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const num = (name: string, fallback: number) => (arg(name) === undefined ? fallback : Number(arg(name)));

const ROOT = path.resolve(__dirname, '..');
const TRIALS = num('trials', 400);
const SEED = num('seed', 1);
const MARGIN = num('margin', 0.15);
const FRONTIER = 1;
const PARENT_ABILITY = 2.0;
const HTTP = process.argv.includes('--http');

async function main(): Promise<void> {
  const defaults = CampaignConfigSchema.shape.evaluation.parse(undefined);
  const samples = num('samples', defaults.samplesPerProblem);
  const heldOut = num('held-out', defaults.maxHeldOutPerLevel);
  const temperature = defaults.temperature;
  const simCfg = parseSimConfig({ models: [{ id: 'sim-student', defaultAbility: PARENT_ABILITY }] });

  // The demo curriculum, and a copy with 5x the frontier's problems (80 held out at 20%).
  const small = await loadCurriculum(path.join(ROOT, 'curricula/arithmetic.yaml'));
  const doc = parseYaml(readFileSync(path.join(ROOT, 'curricula/arithmetic.yaml'), 'utf8')) as { name: string; levels: { source: { count: number } }[] };
  doc.name = 'arithmetic-bench';
  // Level 0 (one-digit sums) has only 81 distinct problems; the frontier gets 400 (80 held out).
  doc.levels = doc.levels.slice(0, 2).map((l, i) => ({ ...l, source: { ...l.source, count: i === FRONTIER ? 400 : 80 } }));
  const bigFile = path.join(mkdtempSync(path.join(tmpdir(), 'bench-promotion-')), 'arithmetic-bench.yaml');
  writeFileSync(bigFile, stringify(doc));
  const big = await loadCurriculum(bigFile);

  // The candidate ability that gives the stated margin on the frontier's held-out problems (bisection on the sim's own curve).
  const frontierProblems = big.levels[FRONTIER]!.problems.filter((p) => p.heldOut);
  const meanPass = (ability: number) =>
    frontierProblems.reduce((s, p) => s + passProbability({ abilities: {}, defaultAbility: ability }, p, temperature, simCfg), 0) / frontierProblems.length;
  let lo = PARENT_ABILITY;
  let hi = PARENT_ABILITY + 2;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (meanPass(mid) - meanPass(PARENT_ABILITY) < MARGIN) lo = mid;
    else hi = mid;
  }
  const betterAbility = (lo + hi) / 2;

  const models = [
    { id: 'bench-parent', abilities: {}, defaultAbility: PARENT_ABILITY },
    { id: 'bench-same', abilities: {}, defaultAbility: PARENT_ABILITY },
    { id: 'bench-better', abilities: {}, defaultAbility: betterAbility },
  ];
  const sim = await startSim({ port: 0, curricula: [small, big], config: { ...simCfg, models } });
  const provider = createOpenAIChatProvider({ baseURL: sim.baseURL, maxRetries: 2, concurrency: 32 });
  const grade = (text: string, gold: string) => gradeAnswer(text, gold, 'number');

  // In-process by default: the sim's own responder (the code behind POST /v1/chat/completions) and the
  // campaign's grader, without the HTTP round trip; --http sends every request through the sim's server.
  const index = new ProblemIndex([small, big]);
  const abilities = new Map(models.map((m) => [m.id, m]));
  async function sampleCorrect(model: string, problem: Problem, seed: number): Promise<number> {
    if (HTTP) {
      const recs = await generateCotSample(provider, problem, { model, temperature, maxTokens: 1024, seed }, grade, 0, samples);
      return recs.filter((r) => r.grade.correct).length;
    }
    const messages = [
      { role: 'system', content: COT_SYSTEM_PROMPT },
      { role: 'user', content: problemPrompt(problem.question) },
    ];
    let correct = 0;
    for (let choice = 0; choice < samples; choice++) {
      const text = respond({ model, student: abilities.get(model)!, messages, temperature, seed: samplingSeed(seed, 0), choice }, index, simCfg);
      if (grade(text, problem.answer).correct) correct++;
    }
    return correct;
  }

  /** Pass rate of `model` on each problem; `seed` varies per trial so every trial draws afresh. */
  async function passRates(model: string, problems: readonly Problem[], seed: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < problems.length) {
          const p = problems[next++]!;
          out.set(p.id, (await sampleCorrect(model, p, seed)) / samples);
        }
      }),
    );
    return out;
  }

  async function run(curriculum: Curriculum, size: number, candidate: string): Promise<{ rate: number; meanEstimate: number }> {
    let promoted = 0;
    let estimates = 0;
    for (let t = 0; t < TRIALS; t++) {
      const seed = SEED * 100_000 + t;
      const problems = heldOutProblems(curriculum.levels, FRONTIER, size, `bench:${seed}`);
      const [c, p] = await Promise.all([passRates(candidate, problems, seed), passRates('bench-parent', problems, seed)]);
      const pairs: ProblemPair[] = problems.map((x) => ({ problemId: x.id, level: x.levelIndex, candidate: c.get(x.id)!, parent: p.get(x.id)! }));
      const d = decidePromotion({
        pairs,
        frontierLevel: FRONTIER,
        rule: { minEffect: defaults.minEffect, tolerance: defaults.regressionTolerance, confidence: defaults.confidence, resamples: defaults.bootstrapResamples, seed: `${candidate}:${seed}` },
      });
      if (d.promote) promoted++;
      estimates += d.evidence?.frontier.estimate ?? 0;
    }
    return { rate: promoted / TRIALS, meanEstimate: estimates / TRIALS };
  }

  const started = Date.now();
  const line = (s = '') => process.stdout.write(`${s}\n`);
  line(`Promotion bench: ${TRIALS} trials per row, ${samples} samples per problem and model at T = ${temperature}, frontier level ${FRONTIER} (${small.levels[FRONTIER]!.id}), level 0 below it.`);
  line(
    `Rule: ${defaults.confidence} one-sided paired bootstrap bounds (${defaults.bootstrapResamples} resamples), minEffect ${defaults.minEffect}, tolerance ${defaults.regressionTolerance}.`,
  );
  line(`Parent ability ${PARENT_ABILITY}; better candidate ability ${betterAbility.toFixed(3)}: true frontier margin +${MARGIN} (mean pass ${meanPass(PARENT_ABILITY).toFixed(3)} -> ${meanPass(betterAbility).toFixed(3)}).`);
  line();
  line('held-out per level (frontier / below) | false-promotion rate (candidate = parent) | power at +' + MARGIN + ' | mean estimated gain (null / margin)');
  const sizes: [Curriculum, number, string][] = [
    [small, 40, `demo curriculum: ${small.levels[FRONTIER]!.problems.filter((p) => p.heldOut).length} / ${small.levels[0]!.problems.filter((p) => p.heldOut).length} (all)`],
    [big, heldOut, `scaled curriculum: ${Math.min(heldOut, 80)} / ${big.levels[0]!.problems.filter((p) => p.heldOut).length} (frontier: seeded draw of 80 per trial)`],
  ];
  for (const [curriculum, size, label] of sizes) {
    const nul = await run(curriculum, size, 'bench-same');
    const pow = await run(curriculum, size, 'bench-better');
    line(`${label} | ${(100 * nul.rate).toFixed(1)}% | ${(100 * pow.rate).toFixed(1)}% | ${nul.meanEstimate >= 0 ? '+' : ''}${nul.meanEstimate.toFixed(3)} / +${pow.meanEstimate.toFixed(3)}`);
  }
  line();
  line(`${HTTP ? `${sim.stats().requests} requests to the sim over HTTP` : 'in-process sim responder'}; ${Math.round((Date.now() - started) / 1000)} s.`);
  await sim.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
