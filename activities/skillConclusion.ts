import { promotionPairs } from '../lib/campaign/roundDecision';
import { decideSkillPromotion } from '../lib/campaign/skillPromotion';
import { advanceSkills, campaignFrontier, nextSkillFrontier, skillJudgedLevel, type SkillOutcome, type SkillState } from '../lib/campaign/skills';
import type { LevelAccuracy, RoundContext, SkillRoundRow } from '../lib/campaign/types';
import type { ResolvedCampaignConfig } from '../lib/config/load';
import type { PromotionEvidence } from '../lib/registry';
import { readManifest, roundDir } from '../lib/store';
import type { TraceRecord } from '../lib/traces';
import type { BandFile } from './band';
import { curriculumAt, runStore } from './deps';
import type { RoundEvaluation } from './evaluation';
import type { EstimateRow } from './estimation';
import { scopeOf } from './manifest';
import { levelsOfSkill, skillOfLevel, skillRuleOf, type SkillPlan } from './skills';

export interface SkillConclusion {
  promoted: boolean;
  note: string;
  evidence?: PromotionEvidence;
  states: SkillState[];
  rows: SkillRoundRow[];
  nextFrontier: number;
  mastered: boolean;
}

/**
 * The decision of a round in per-skill mode: promotion on paired evidence per skill (lib/campaign/skillPromotion.ts),
 * then each skill's frontier on its own evidence and its status (lib/campaign/skills.ts).
 */
export async function concludeSkills(
  ctx: RoundContext,
  config: ResolvedCampaignConfig,
  plan: SkillPlan,
  evaluation: RoundEvaluation,
  band: BandFile | undefined,
  candidate: string | undefined,
): Promise<SkillConclusion> {
  const curriculum = await curriculumAt(config.curriculumPath);
  const levelsOf = levelsOfSkill(curriculum);
  const skillOf = skillOfLevel(curriculum);
  const mastery = config.advancement.masteryThreshold;
  const trained = (skill: string) => (band?.selected ?? []).some((s) => skillOf(s.levelIndex) === skill);

  let promoted = false;
  let note = band && band.ids.length === 0 ? 'no problem in band' : 'too few examples to fine-tune';
  let evidence: PromotionEvidence | undefined;
  const gained = new Set<string>();
  if (candidate && evaluation.candidate) {
    const ev = config.evaluation;
    const decision = decideSkillPromotion(
      promotionPairs(evaluation.perProblem ?? []),
      plan.states.map((s) => ({ skill: s.skill, judged: s.status === 'done' ? s.frontier : skillJudgedLevel(evaluation.parent, levelsOf(s.skill), s.frontier, mastery), trained: trained(s.skill) })),
      levelsOf,
      { minEffect: ev.minEffect, tolerance: ev.regressionTolerance, confidence: ev.confidence, resamples: ev.bootstrapResamples, seed: candidate },
    );
    promoted = decision.promote;
    note = decision.reason;
    evidence = (decision.skills.find((v) => v.regressed) ?? decision.skills.find((v) => v.gain))?.evidence;
    if (promoted) for (const v of decision.skills) if (v.gain) gained.add(v.skill);
  }
  const current: LevelAccuracy = promoted && evaluation.candidate ? evaluation.candidate : evaluation.parent;

  const samples = await samplesPerSkill(ctx, skillOf);
  const examples = await examplesPerSkill(ctx, skillOf);
  const outcomes: SkillOutcome[] = plan.allocation.map((a) => {
    const levels = levelsOf(a.skill);
    const perLevel = (band?.perLevel ?? []).filter((l) => skillOf(l.levelIndex) === a.skill);
    const atFrontier = perLevel.find((l) => l.levelIndex === a.frontier);
    const next =
      a.status === 'done'
        ? { frontier: a.frontier, top: true }
        : nextSkillFrontier(levels, {
            frontier: a.frontier,
            accuracy: current,
            masteryThreshold: mastery,
            frontierInBand: atFrontier?.inBand ?? 0,
            minBandSize: config.advancement.minBandSize,
            frontierMostlyAbove: atFrontier ? atFrontier.above > atFrontier.below : false,
          });
    return {
      skill: a.skill,
      estimated: a.candidates > 0,
      retry: a.retry,
      candidates: perLevel.reduce((n, l) => n + l.candidates, 0),
      inBand: perLevel.reduce((n, l) => n + l.inBand, 0),
      gain: gained.has(a.skill),
      next,
      samples: samples.get(a.skill) ?? 0,
      minBandSize: config.advancement.minBandSize,
    };
  });
  const states = advanceSkills(plan.states, outcomes, skillRuleOf(config)!, ctx.round);
  const rows: SkillRoundRow[] = states.map((s) => {
    const o = outcomes.find((x) => x.skill === s.skill)!;
    const before = plan.states.find((x) => x.skill === s.skill)!;
    return {
      skill: s.skill,
      frontier: before.frontier,
      status: s.status,
      ...(s.reason && s.status === 'parked' ? { reason: s.reason } : {}),
      samples: o.samples,
      bandSize: o.inBand,
      examples: examples.get(s.skill) ?? 0,
      share: plan.allocation.find((a) => a.skill === s.skill)?.share ?? 0,
      nextFrontier: s.frontier,
      levels: levelsOf(s.skill),
    };
  });
  const moved = rows.filter((r) => r.nextFrontier !== r.frontier || (r.status === 'done' && plan.states.find((x) => x.skill === r.skill)!.status !== 'done'));
  const advanceNote = rows.map((r) => `${r.skill} ${r.status}${r.reason ? ` (${r.reason})` : ''} at level ${r.nextFrontier}`).join(', ');
  return { promoted, note: `${note}; ${advanceNote}`, evidence, states, rows, nextFrontier: campaignFrontier(states, ctx.levelCount), mastered: moved.length > 0 };
}

/** Estimation samples (from the estimates) and traces (from the verified traces) of the round, per skill. */
async function samplesPerSkill(ctx: RoundContext, skillOf: (level: number) => string): Promise<Map<string, number>> {
  const store = runStore();
  const out = new Map<string, number>();
  const add = (level: number, n: number) => out.set(skillOf(level), (out.get(skillOf(level)) ?? 0) + n);
  const manifest = await readManifest(store, ctx.campaign, ctx.round, scopeOf(ctx));
  for (const entry of Object.values(manifest.estimate ?? {})) {
    for await (const row of store.iterJsonl<EstimateRow>(entry.ref)) add(row.levelIndex, row.estimate.samples);
  }
  const verified = manifest.verified?.ref;
  if (verified) for await (const t of store.iterJsonl<TraceRecord>(verified)) add(t.levelIndex, 1);
  return out;
}

/** New dataset examples per skill (dataset-stats.json's keptPerLevel). */
async function examplesPerSkill(ctx: RoundContext, skillOf: (level: number) => string): Promise<Map<string, number>> {
  const rel = `${roundDir(ctx.campaign, ctx.round)}/dataset-stats.json`;
  const out = new Map<string, number>();
  if (!(await runStore().exists(rel))) return out;
  const stats = await runStore().readJson<{ keptPerLevel?: Record<string, number> }>(rel);
  for (const [level, n] of Object.entries(stats.keptPerLevel ?? {})) out.set(skillOf(Number(level)), (out.get(skillOf(Number(level))) ?? 0) + n);
  return out;
}
