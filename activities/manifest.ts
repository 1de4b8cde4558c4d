import { ApplicationFailure } from '@temporalio/activity';
import type { RoundContext, RoundResume } from '../lib/campaign/types';
import { readManifest, type ManifestEntries, type ManifestScope, type Ref } from '../lib/store';
import { runStore } from './deps';

/** The manifest scope of a round: entries of another model or frontier (a campaign name reused) do not count. */
export function scopeOf(ctx: Pick<RoundContext, 'model' | 'frontier'>): ManifestScope {
  return { model: ctx.model, frontier: ctx.frontier };
}

type RoundRef = Pick<RoundContext, 'campaign' | 'round' | 'model' | 'frontier'>;

/**
 * The output an earlier step of this round recorded in its manifest: activities find their inputs here by
 * step name (their Temporal inputs stay small, whatever the number of shards). A missing entry means the
 * round's steps ran out of order: a bug, not something a retry fixes.
 */
export async function stepRef(ctx: RoundRef, step: 'candidates' | 'band' | 'verified' | 'dataset'): Promise<Ref> {
  const ref = (await readManifest(runStore(), ctx.campaign, ctx.round, scopeOf(ctx)))[step]?.ref;
  if (!ref) throw missing(ctx, step);
  return ref;
}

/** The outputs of shards 0 .. shards-1 of a sharded step, in shard order. */
export async function shardRefs(ctx: RoundRef, step: 'estimate' | 'traces', shards: number): Promise<Ref[]> {
  const entries: ManifestEntries[typeof step] = (await readManifest(runStore(), ctx.campaign, ctx.round, scopeOf(ctx)))[step] ?? {};
  return Array.from({ length: shards }, (_, shard) => {
    const ref = entries[String(shard)]?.ref;
    if (!ref) throw missing(ctx, `${step} shard ${shard}`);
    return ref;
  });
}

function missing(ctx: RoundRef, what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`round ${ctx.round} of ${ctx.campaign}: the round manifest has no ${what} (steps ran out of order)`, 'ManifestIncomplete');
}

export interface RoundResumePoint {
  /** Where the round goes on: its dataset, the job that may still train, the model it already trained. */
  resume?: RoundResume;
  /** The attempt a new fine-tune job must use: past every attempt whose job the manifest records. */
  attempt: number;
  /** Steps the manifest records, for the Web UI. */
  steps: string[];
}

/**
 * Where a round stands according to its manifest, for a round workflow that starts (again) after a
 * termination, cancellation, crash or `resume`: the dataset it built, the job it created and the model it
 * trained are taken over instead of being paid for twice.
 */
export async function readRoundManifest(ctx: Pick<RoundContext, 'campaign' | 'round' | 'model' | 'frontier' | 'attempt'>): Promise<RoundResumePoint> {
  const m = await readManifest(runStore(), ctx.campaign, ctx.round, scopeOf(ctx));
  const steps = Object.keys(m);
  const jobs = Object.values(m.fineTune ?? {}).sort((a, b) => a.attempt - b.attempt);
  const attempt = Math.max(ctx.attempt, ...jobs.map((j) => j.attempt + 1));
  if (!m.dataset?.ref || !m.candidates || !m.band) return { attempt: jobs.length ? attempt : ctx.attempt, steps };
  const resume: RoundResume = { datasetExamples: m.dataset.ref.count, candidates: m.candidates.count, inBand: m.band.inBand, tracesKept: m.dataset.kept };
  const trained = jobs.find((j) => j.status === 'succeeded' && j.model);
  if (trained) return { resume: { ...resume, jobId: trained.jobId, trained: { model: trained.model!, jobId: trained.jobId } }, attempt, steps };
  // The newest job that did not fail may still be training: poll it rather than create another.
  const live = [...jobs].reverse().find((j) => j.status === 'created');
  if (live && !jobs.some((j) => j.attempt > live.attempt)) return { resume: { ...resume, jobId: live.jobId }, attempt: live.attempt, steps };
  return { resume, attempt, steps };
}
