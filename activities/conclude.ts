import { nextFrontier } from '../lib/campaign/advance';
import type { RoundInput, RoundResult, RoundSummary } from '../lib/campaign/types';
import { providerFor } from '../lib/config/load';
import { decidePromotion, ModelRegistry, type ProblemPair, type PromotionEvidence } from '../lib/registry';
import type { TraceRecord } from '../lib/traces';
import { roundDir, type Ref } from '../lib/store';
import { bandPath, type BandFile } from './band';
import { activityLog, runStore } from './deps';
import type { RoundEvaluation } from './evaluation';

/** The candidate of a round enters the registry as soon as its job succeeded. */
export async function registerCandidate({ ctx, model, jobId, dataset }: { ctx: RoundInput; model: string; jobId: string; dataset: Ref }): Promise<void> {
  const registry = await ModelRegistry.load(runStore(), ctx.campaign);
  await registry.registerCandidate({
    modelId: model,
    provider: providerFor(ctx.config, 'fineTune').kind,
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
  evaluation,
  counts,
  outcome,
}: {
  ctx: RoundInput;
  candidate?: string;
  evaluation: RoundEvaluation;
  counts: { candidates: number; inBand: number; tracesKept: number; datasetExamples: number };
  outcome: 'trained' | 'band-empty' | 'no-dataset';
}): Promise<RoundConclusion> {
  const store = runStore();
  const registry = await ModelRegistry.load(store, ctx.campaign);
  let promoted = false;
  let promotion: PromotionEvidence | undefined;
  let decisionNote = outcome === 'band-empty' ? 'no problem in band' : 'too few examples to fine-tune';
  if (candidate && evaluation.candidate) {
    // A parent that already masters the frontier cannot be beaten there (both sit at the ceiling): the
    // round then trained mostly on the next level, so that is where the candidate is judged.
    const parentAtFrontier = evaluation.parent[ctx.frontier]?.accuracy ?? 0;
    const judged = parentAtFrontier >= ctx.config.advancement.masteryThreshold && ctx.frontier + 1 < ctx.levelCount ? ctx.frontier + 1 : ctx.frontier;
    const ev = ctx.config.evaluation;
    const pairs: ProblemPair[] = (evaluation.perProblem ?? [])
      .filter((p) => p.candidate !== undefined && p.samples > 0)
      .map((p) => ({ problemId: p.problemId, level: p.level, candidate: p.candidate! / p.samples, parent: p.parent / p.samples }));
    const decision = decidePromotion({
      pairs,
      frontierLevel: judged,
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
    masteryThreshold: ctx.config.advancement.masteryThreshold,
    frontierInBand: atFrontier?.inBand ?? 0,
    minBandSize: ctx.config.advancement.minBandSize,
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
    ...(ctx.config.traces.verifier ? { verifierCalls: await verifierCallsOf(ctx) } : {}),
    ...(promotion ? { promotion } : {}),
  };
  const conclusion: RoundConclusion = { status: 'completed', summary, nextFrontier: advance.frontier, currentModel, mastered: advance.mastered };
  activityLog(ctx, 'decide').info({ outcome: summary.outcome, model: currentModel, nextFrontier: advance.frontier }, summary.note);
  await store.writeJsonAtomic(roundSummaryPath(ctx.campaign, ctx.round), { ...conclusion, base: evaluation.base, levelCount: ctx.levelCount, config: ctx.config });
  return conclusion;
}

/** LLM verifier calls made for the round's traces, from its verified traces (0 when the round made none). */
async function verifierCallsOf(ctx: RoundInput): Promise<number> {
  const rel = `${roundDir(ctx.campaign, ctx.round)}/verified.jsonl`;
  const store = runStore();
  if (!(await store.exists(rel))) return 0;
  let calls = 0;
  for (const line of (await store.read(rel)).toString('utf8').split('\n')) {
    if (line.trim()) calls += (JSON.parse(line) as TraceRecord).verifierCalls ?? 0;
  }
  return calls;
}
