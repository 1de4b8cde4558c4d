import type { RoundInput, RoundResume } from '../lib/campaign/types';
import { readManifest, type ManifestScope } from '../lib/store';
import { runStore } from './deps';

/** The manifest scope of a round: entries of another model or frontier (a campaign name reused) do not count. */
export function scopeOf(ctx: Pick<RoundInput, 'model' | 'frontier'>): ManifestScope {
  return { model: ctx.model, frontier: ctx.frontier };
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
export async function readRoundManifest(ctx: Pick<RoundInput, 'campaign' | 'round' | 'model' | 'frontier' | 'attempt'>): Promise<RoundResumePoint> {
  const m = await readManifest(runStore(), ctx.campaign, ctx.round, scopeOf(ctx));
  const steps = Object.keys(m);
  const jobs = Object.values(m.fineTune ?? {}).sort((a, b) => a.attempt - b.attempt);
  const attempt = Math.max(ctx.attempt, ...jobs.map((j) => j.attempt + 1));
  if (!m.dataset?.ref || !m.candidates || !m.band) return { attempt: jobs.length ? attempt : ctx.attempt, steps };
  const resume: RoundResume = { datasetRef: m.dataset.ref, candidates: m.candidates.count, inBand: m.band.inBand, tracesKept: m.dataset.kept };
  const trained = jobs.find((j) => j.status === 'succeeded' && j.model);
  if (trained) return { resume: { ...resume, jobId: trained.jobId, trained: { model: trained.model!, jobId: trained.jobId } }, attempt, steps };
  // The newest job that did not fail may still be training: poll it rather than create another.
  const live = [...jobs].reverse().find((j) => j.status === 'created');
  if (live && !jobs.some((j) => j.attempt > live.attempt)) return { resume: { ...resume, jobId: live.jobId }, attempt: live.attempt, steps };
  return { resume, attempt, steps };
}
