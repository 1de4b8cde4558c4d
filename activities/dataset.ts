import type { RoundContext } from '../lib/campaign/types';
import { DatasetTooSmallError, selectTraces, writeDataset } from '../lib/datasets';
import { recordStep, roundDir } from '../lib/store';
import { scopeOf, stepRef } from './manifest';
import type { TraceRecord } from '../lib/traces';
import { activityLog, configOf, runStore } from './deps';

export function datasetPath(campaign: string, round: number): string {
  return `${roundDir(campaign, round)}/dataset.jsonl`;
}

/** Correct, unflagged traces, capped and de-duplicated, written as OpenAI chat fine-tuning JSONL with replay of earlier rounds. */
export async function buildDataset({ ctx }: { ctx: RoundContext }): Promise<{ examples?: number; kept: number; note: string }> {
  const store = runStore();
  const d = (await configOf(ctx)).dataset;
  const traces = await store.readJsonl<TraceRecord>(await stepRef(ctx, 'verified'));
  const selection = selectTraces(traces, { perProblemCap: d.perProblemCap, maxChars: d.maxChars, dropNearDuplicates: d.dropNearDuplicates });
  const earlier = (await store.list(`${ctx.campaign}/`))
    .filter((p) => {
      const m = /\/round-(\d+)\/dataset\.jsonl$/.exec(p);
      return m !== null && Number(m[1]) < ctx.round;
    })
    .map((p) => store.localPath(store.uriFor(p)));
  // Replay pool: the campaign's earlier rounds, plus any configured earlier datasets (the base model's data).
  earlier.push(...(d.replayFiles ?? []));
  const rel = datasetPath(ctx.campaign, ctx.round);
  try {
    const written = await writeDataset(selection.kept, {
      out: store.localPath(store.uriFor(rel)),
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
    await store.writeJsonAtomic(`${roundDir(ctx.campaign, ctx.round)}/dataset-stats.json`, { new: written.newCount, replayed: written.replayCount, examples: written.count, dropped: c, keptPerLevel });
    const ref = { uri: store.uriFor(rel), sha256: written.sha256, count: written.count, bytes: written.bytes };
    await recordStep(store, ctx.campaign, ctx.round, scopeOf(ctx), 'dataset', { ref, kept: selection.kept.length });
    activityLog(ctx, 'dataset').info({ examples: written.count, replayed: written.replayCount, sha256: written.sha256, drops: c }, 'dataset written');
    return {
      examples: written.count,
      kept: selection.kept.length,
      note: `dataset: ${written.newCount} new + ${written.replayCount} replayed examples (dropped: ${c.incorrect} incorrect, ${c.flagged} flagged, ${c.nearDuplicate} near-duplicates, ${c.overCap} over cap)`,
    };
  } catch (err) {
    if (!(err instanceof DatasetTooSmallError)) throw err;
    activityLog(ctx, 'dataset').warn({ kept: selection.kept.length, minExamples: d.minExamples }, 'too few examples to fine-tune');
    return { kept: selection.kept.length, note: `no fine-tune: ${err.message}` };
  }
}
