import { nextFrontier } from '../lib/campaign/advance';
import { judgedLevel, promotionPairs } from '../lib/campaign/roundDecision';
import type { RoundContext, RoundResult, RoundSummary } from '../lib/campaign/types';
import { providerFor } from '../lib/config/load';
import { decidePromotion, ModelRegistry, type PromotionEvidence } from '../lib/registry';
import type { TraceRecord } from '../lib/traces';
import { readManifest, roundDir } from '../lib/store';
import { bandPath, type BandFile } from './band';
import { activityLog, configOf, runStore } from './deps';
import { evaluationPath, type RoundEvaluation } from './evaluation';
import { scopeOf, stepRef } from './manifest';
import { concludeSkills } from './skillConclusion';
import { readSkillPlan, type SkillPlan } from './skills';
import type { SkillState } from '../lib/campaign/skills';
import type { ResolvedCampaignConfig } from '../lib/config/load';

/** The candidate of a round enters the registry as soon as its job succeeded. */
export async function registerCandidate({ ctx, model, jobId }: { ctx: RoundContext; model: string; jobId: string }): Promise<void> {
  const registry = await ModelRegistry.load(runStore(), ctx.campaign);
  const dataset = await stepRef(ctx, 'dataset');
  await registry.registerCandidate({
    modelId: model,
    provider: providerFor(await configOf(ctx), 'fineTune').kind,
    parent: ctx.model,
    round: ctx.round,
    datasetRef: dataset.uri,
    datasetSha256: dataset.sha256,
    jobId,
  });
}

export type RoundConclusion = Extract<RoundResult, { status: 'completed' }>;

/** What `strawberry resume` reads back: the outcome of every completed round. */
export function roundSummaryPath(campaign: string, round: number): string {
  return `${roundDir(campaign, round)}/summary.json`;
}

/**
 * Promotion on paired evidence (lib/registry/decidePromotion.ts: a confident gain above `minEffect` on the
 * frontier, no significant regression beyond tolerance below it) and advancement (the
 * frontier moves up on mastery or when its band ran dry), recorded in the registry and the run store.
 */
export async function concludeRound({
  ctx,
  candidate,
  counts,
  outcome,
}: {
  ctx: RoundContext;
  candidate?: string;
  counts: { candidates: number; inBand: number; tracesKept: number; datasetExamples: number };
  outcome: 'trained' | 'band-empty' | 'no-dataset';
}): Promise<RoundConclusion> {
  const store = runStore();
  const config = await configOf(ctx);
  const evaluation = await store.readJson<RoundEvaluation>(evaluationPath(ctx.campaign, ctx.round));
  if ((evaluation.candidateModel ?? undefined) !== candidate) {
    throw new Error(`${evaluationPath(ctx.campaign, ctx.round)} evaluated ${evaluation.candidateModel ?? 'no candidate'}, not ${candidate ?? 'no candidate'} (evaluate again)`);
  }
  const registry = await ModelRegistry.load(store, ctx.campaign);
  const plan = await readSkillPlan(ctx);
  if (plan) return concludePerSkill(ctx, config, plan, evaluation, registry, candidate, counts, outcome);
  let promoted = false;
  let promotion: PromotionEvidence | undefined;
  let decisionNote = outcome === 'band-empty' ? 'no problem in band' : 'too few examples to fine-tune';
  if (candidate && evaluation.candidate) {
    const ev = config.evaluation;
    const decision = decidePromotion({
      pairs: promotionPairs(evaluation.perProblem ?? []),
      frontierLevel: judgedLevel(evaluation.parent, ctx.frontier, ctx.levelCount, config.advancement.masteryThreshold),
      rule: { minEffect: ev.minEffect, tolerance: ev.regressionTolerance, confidence: ev.confidence, resamples: ev.bootstrapResamples, seed: candidate },
    });
    promotion = decision.evidence;
    promoted = decision.promote;
    decisionNote = decision.reason;
    if (promoted) await registry.promote(candidate, decision.reason, decision.evidence);
    else await registry.reject(candidate, decision.reason, decision.evidence);
  }
  const currentModel = promoted && candidate ? candidate : ctx.model;
  const currentEval = promoted && evaluation.candidate ? evaluation.candidate : evaluation.parent;

  const band = (await store.exists(bandPath(ctx.campaign, ctx.round))) ? await store.readJson<BandFile>(bandPath(ctx.campaign, ctx.round)) : undefined;
  const atFrontier = band?.perLevel.find((l) => l.levelIndex === ctx.frontier);
  const advance = nextFrontier({
    frontier: ctx.frontier,
    levelCount: ctx.levelCount,
    evaluation: currentEval,
    masteryThreshold: config.advancement.masteryThreshold,
    frontierInBand: atFrontier?.inBand ?? 0,
    minBandSize: config.advancement.minBandSize,
    frontierMostlyAbove: atFrontier ? atFrontier.above > atFrontier.below : false,
  });

  const summary: RoundSummary = {
    round: ctx.round,
    frontier: ctx.frontier,
    candidates: counts.candidates,
    inBand: counts.inBand,
    tracesKept: counts.tracesKept,
    datasetExamples: counts.datasetExamples,
    model: candidate ?? ctx.model,
    promoted,
    evaluation: evaluation.candidate ?? evaluation.parent,
    outcome: candidate ? (promoted ? 'promoted' : 'rejected') : outcome === 'band-empty' ? 'band-empty' : 'no-dataset',
    note: `${decisionNote}; ${advance.reason}`,
    ...(band ? { selected: band.ids.length } : {}),
    ...(config.traces.verifier ? { verifierCalls: await verifierCallsOf(ctx) } : {}),
    ...(promotion ? { promotion } : {}),
  };
  const conclusion: RoundConclusion = { status: 'completed', summary, nextFrontier: advance.frontier, currentModel, mastered: advance.mastered };
  return recordConclusion(ctx, conclusion, evaluation);
}

/** summary.json (what `resume` and `report` read), and the conclusion the workflows carry (without the evidence). */
async function recordConclusion(ctx: RoundContext, conclusion: RoundConclusion, evaluation: RoundEvaluation, skillStates?: SkillState[]): Promise<RoundConclusion> {
  const { summary } = conclusion;
  activityLog(ctx, 'decide').info({ outcome: summary.outcome, model: conclusion.currentModel, nextFrontier: conclusion.nextFrontier, skills: summary.skills }, summary.note);
  await runStore().writeJsonAtomic(roundSummaryPath(ctx.campaign, ctx.round), {
    ...conclusion,
    base: evaluation.base,
    levelCount: ctx.levelCount,
    configHash: ctx.configHash,
    ...(skillStates ? { skillStates } : {}),
  });
  // The workflows carry the summary without its promotion evidence (kept in summary.json and the registry).
  const { promotion: _evidence, ...brief } = summary;
  return { ...conclusion, summary: brief };
}

/** Per-skill mode (config `skills:`): the decision and advancement of activities/skillConclusion.ts, recorded like a single frontier's. */
async function concludePerSkill(
  ctx: RoundContext,
  config: ResolvedCampaignConfig,
  plan: SkillPlan,
  evaluation: RoundEvaluation,
  registry: ModelRegistry,
  candidate: string | undefined,
  counts: { candidates: number; inBand: number; tracesKept: number; datasetExamples: number },
  outcome: 'trained' | 'band-empty' | 'no-dataset',
): Promise<RoundConclusion> {
  const store = runStore();
  const band = (await store.exists(bandPath(ctx.campaign, ctx.round))) ? await store.readJson<BandFile>(bandPath(ctx.campaign, ctx.round)) : undefined;
  const decided = await concludeSkills(ctx, config, plan, evaluation, band, candidate);
  if (candidate && evaluation.candidate) {
    if (decided.promoted) await registry.promote(candidate, decided.note, decided.evidence);
    else await registry.reject(candidate, decided.note, decided.evidence);
  }
  const summary: RoundSummary = {
    round: ctx.round,
    frontier: ctx.frontier,
    ...counts,
    model: candidate ?? ctx.model,
    promoted: decided.promoted,
    evaluation: evaluation.candidate ?? evaluation.parent,
    outcome: candidate ? (decided.promoted ? 'promoted' : 'rejected') : outcome === 'band-empty' ? 'band-empty' : 'no-dataset',
    note: decided.note,
    ...(band ? { selected: band.ids.length } : {}),
    ...(config.traces.verifier ? { verifierCalls: await verifierCallsOf(ctx) } : {}),
    ...(decided.evidence ? { promotion: decided.evidence } : {}),
    skills: decided.rows,
  };
  const currentModel = decided.promoted && candidate ? candidate : ctx.model;
  const conclusion: RoundConclusion = { status: 'completed', summary, nextFrontier: decided.nextFrontier, currentModel, mastered: decided.mastered, skills: decided.states };
  return recordConclusion(ctx, conclusion, evaluation, decided.states);
}

/** LLM verifier calls made for the round's traces, from its verified traces (0 when the round made none). */
async function verifierCallsOf(ctx: RoundContext): Promise<number> {
  const verified = (await readManifest(runStore(), ctx.campaign, ctx.round, scopeOf(ctx))).verified?.ref;
  let calls = 0;
  if (verified) for await (const t of runStore().iterJsonl<TraceRecord>(verified)) calls += t.verifierCalls ?? 0;
  return calls;
}
