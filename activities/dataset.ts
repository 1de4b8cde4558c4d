import type { RoundContext } from '../lib/campaign/types';
import { buildPairs, DatasetTooSmallError, dropCounts, pairStats, selectTraces, writeDataset, writePreferenceDataset, type DatasetFile, type PairStats } from '../lib/datasets';
import { recordStep, roundDir, type Ref } from '../lib/store';
import { scopeOf, stepRef } from './manifest';
import type { TraceRecord } from '../lib/traces';
import { contaminationNote, dropContaminated, STANDARD_EVAL_SETS } from './contamination';
import { activityLog, configOf, runStore } from './deps';

/** `5 failed a step check (sortsteps 5), ` or nothing when no checker dropped a trace. */
function stepNote(total: number, by: Record<string, number>): string {
  if (total === 0) return '';
  return `${total} failed a step check (${Object.entries(by).map(([k, n]) => `${k} ${n}`).join(', ')}), `;
}

export function datasetPath(campaign: string, round: number): string {
  return `${roundDir(campaign, round)}/dataset.jsonl`;
}

export function preferencesPath(campaign: string, round: number): string {
  return `${roundDir(campaign, round)}/preferences.jsonl`;
}

type Store = ReturnType<typeof runStore>;
type Config = Awaited<ReturnType<typeof configOf>>;

/**
 * The round's training files, by `fineTune.method`: `sft` the correct, unflagged traces (capped, de-duplicated,
 * with replay of earlier rounds) as chat fine-tuning JSONL; `dpo` preference pairs from ALL graded traces of
 * the round (the `verified` step keeps the incorrect ones too); `sft-then-dpo` both.
 */
export async function buildDataset({ ctx }: { ctx: RoundContext }): Promise<{ examples?: number; kept: number; note: string }> {
  const store = runStore();
  const config = await configOf(ctx);
  const method = config.fineTune.method;
  const graded = await store.readJsonl<TraceRecord>(await stepRef(ctx, 'verified'));
  // Stored configs of campaigns started before the check have no `contamination`: they are checked too.
  const cc = config.dataset.contamination ?? { check: true };
  const clean = cc.check ? await dropContaminated(graded, config.curriculumPath, cc.sets ?? STANDARD_EVAL_SETS) : undefined;
  const traces = clean?.traces ?? graded;
  const contamination = clean ? { contamination: clean.report } : {};
  const contaminationText = clean ? contaminationNote(clean.report, clean.dropped) : '';
  if (clean?.dropped) activityLog(ctx, 'dataset').warn({ dropped: clean.dropped, matches: clean.report.matches.slice(0, 20) }, 'training problems that duplicate eval problems dropped');
  const prefs = method === 'sft' ? undefined : await preferences(ctx, store, config, traces, method);
  const statsPath = `${roundDir(ctx.campaign, ctx.round)}/dataset-stats.json`;
  const pairNote = prefs ? `; ${prefs.stats.pairs} preference pairs (${prefs.stats.pairsPerProblem.toFixed(1)} per problem, mean length difference ${prefs.stats.meanLengthDiff.toFixed(0)} chars)` : '';

  if (method === 'dpo') {
    await store.writeJsonAtomic(statsPath, { new: 0, replayed: 0, examples: prefs!.ref?.count ?? 0, dropped: clean?.dropped ? { contaminated: clean.dropped } : {}, keptPerLevel: prefs!.keptPerLevel, pairs: prefs!.stats, ...contamination });
    if (!prefs!.ref) return { kept: prefs!.stats.pairs, note: `no fine-tune: ${prefs!.stats.pairs} preference pairs, fewer than dataset.pairs.minPairs (${config.dataset.pairs.minPairs})${contaminationText}` };
    await recordStep(store, ctx.campaign, ctx.round, scopeOf(ctx), 'dataset', { ref: prefs!.ref, kept: prefs!.stats.pairs, preferences: prefs!.ref, pairs: prefs!.stats.pairs });
    return { examples: prefs!.ref.count, kept: prefs!.stats.pairs, note: `dataset${pairNote.replace(/^;/, ':')}${contaminationText}` };
  }

  const d = config.dataset;
  const selection = selectTraces(traces, { perProblemCap: d.perProblemCap, maxChars: d.maxChars, dropNearDuplicates: d.dropNearDuplicates });
  const earlier = (await store.list(`${ctx.campaign}/`))
    .filter((p) => {
      const m = /\/round-(\d+)\/dataset\.jsonl$/.exec(p);
      return m !== null && Number(m[1]) < ctx.round;
    })
    .map((p): DatasetFile => ({ store, path: p }));
  // Replay pool: the campaign's earlier rounds, plus any configured earlier datasets (the base model's data,
  // files on the worker).
  earlier.push(...(d.replayFiles ?? []));
  const rel = datasetPath(ctx.campaign, ctx.round);
  try {
    const written = await writeDataset(selection.kept, {
      out: { store, path: rel },
      format: d.format,
      replay: { files: earlier, fraction: d.replayFraction },
      seed: ctx.round,
      minExamples: d.minExamples,
    });
    const c = selection.counts;
    // For reports: what the dataset kept and dropped, by reason.
    // keptPerLevel: new examples by level, for the per-skill rows of reports.
    const keptPerLevel: Record<number, number> = {};
    for (const t of selection.kept) keptPerLevel[t.levelIndex] = (keptPerLevel[t.levelIndex] ?? 0) + 1;
    await store.writeJsonAtomic(statsPath, { new: written.newCount, replayed: written.replayCount, examples: written.count, dropped: { ...dropCounts(c), ...(clean?.dropped ? { contaminated: clean.dropped } : {}) }, keptPerLevel, ...(prefs ? { pairs: prefs.stats } : {}), ...contamination });
    const ref = { uri: store.uriFor(rel), sha256: written.sha256, count: written.count, bytes: written.bytes };
    const prefEntry = prefs?.ref ? { preferences: prefs.ref, pairs: prefs.stats.pairs } : {};
    await recordStep(store, ctx.campaign, ctx.round, scopeOf(ctx), 'dataset', { ref, kept: selection.kept.length, ...prefEntry });
    activityLog(ctx, 'dataset').info({ examples: written.count, replayed: written.replayCount, sha256: written.sha256, drops: c, pairs: prefs?.stats.pairs }, 'dataset written');
    return {
      examples: written.count,
      kept: selection.kept.length,
      note: `dataset: ${written.newCount} new + ${written.replayCount} replayed examples (dropped: ${c.incorrect} incorrect, ${c.flagged} flagged, ${stepNote(c.stepCheck, c.stepCheckBy)}${c.nearDuplicate} near-duplicates, ${c.overCap} over cap)${pairNote}${contaminationText}`,
    };
  } catch (err) {
    if (!(err instanceof DatasetTooSmallError)) throw err;
    activityLog(ctx, 'dataset').warn({ kept: selection.kept.length, minExamples: d.minExamples }, 'too few examples to fine-tune');
    return { kept: selection.kept.length, note: `no fine-tune: ${err.message}${contaminationText}` };
  }
}

/** The round's preference pairs, written as `round-<n>/preferences.jsonl` when there are at least `minPairs`. */
async function preferences(
  ctx: RoundContext,
  store: Store,
  config: Config,
  traces: readonly TraceRecord[],
  method: PairStats['method'],
): Promise<{ ref?: Ref; stats: PairStats; keptPerLevel: Record<number, number> }> {
  const p = config.dataset.pairs;
  const pairing = buildPairs(traces, {
    pairsPerProblem: p.pairsPerProblem,
    distinctAnswers: p.distinctAnswers,
    maxLengthRatio: p.maxLengthRatio,
    dropNearDuplicates: p.dropNearDuplicates,
    ...(config.dataset.maxChars !== undefined ? { maxChars: config.dataset.maxChars } : {}),
  });
  const keptPerLevel: Record<number, number> = {};
  for (const pair of pairing.pairs) keptPerLevel[pair.levelIndex] = (keptPerLevel[pair.levelIndex] ?? 0) + 1;
  const rel = preferencesPath(ctx.campaign, ctx.round);
  try {
    const written = await writePreferenceDataset(pairing.pairs, { out: { store, path: rel }, seed: ctx.round, minPairs: p.minPairs });
    activityLog(ctx, 'dataset').info({ pairs: written.count, sha256: written.sha256, counts: pairing.counts }, 'preference pairs written');
    return { ref: { uri: store.uriFor(rel), sha256: written.sha256, count: written.count, bytes: written.bytes }, stats: pairStats(method, pairing.counts, true), keptPerLevel };
  } catch (err) {
    if (!(err instanceof DatasetTooSmallError)) throw err;
    activityLog(ctx, 'dataset').warn({ pairs: pairing.pairs.length, minPairs: p.minPairs }, 'too few preference pairs');
    return { stats: pairStats(method, pairing.counts, false), keptPerLevel };
  }
}
