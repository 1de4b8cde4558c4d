import { roundDir } from './directoryRunStore';
import type { Ref, RunStore } from './types';

/**
 * The round manifest: what each step of a round produced, recorded in the run store as the step finishes
 * (`<campaign>/round-<n>/manifest/<step>.json`, one small file per step or shard, each written atomically, so
 * parallel shards on any worker never overwrite each other). The round workflow reads it back when it starts,
 * so a round that was terminated, cancelled or crashed continues where it was and never pays for a second
 * fine-tune job.
 */

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/** Which round a manifest entry belongs to: entries of another model or frontier (a reused name) are ignored. */
export interface ManifestScope {
  model: string;
  frontier: number;
}

export interface ManifestEntries {
  candidates?: { ref: Ref; count: number; shards: number };
  /** Per shard of estimation / traces: its output and the tokens its fresh samples used. */
  estimate?: Record<string, { ref: Ref; problems: number; samples: number; usage: TokenUsage }>;
  band?: { ref: Ref; candidates: number; inBand: number; selected: number; shards: number };
  traces?: Record<string, { ref: Ref; generated: number; reused: number; correct: number; usage: TokenUsage }>;
  verified?: { ref: Ref; total: number; correct: number };
  /**
   * `ref`: the file the (first) job trains on (SFT examples; the preference file for `dpo`). `preferences`:
   * the preference pairs (`dpo`, `sft-then-dpo`), absent when too few pairs were made.
   */
  dataset?: { ref?: Ref; kept: number; preferences?: Ref; pairs?: number };
  /** Fine-tune jobs by attempt: created, then failed (a retry makes a new one) or trained. */
  fineTune?: Record<string, { attempt: number; jobId: string; status: 'created' | 'failed' | 'succeeded'; model?: string; error?: string }>;
}

type Entry<K extends keyof ManifestEntries> = K extends 'estimate' | 'traces' | 'fineTune' ? NonNullable<ManifestEntries[K]>[string] : NonNullable<ManifestEntries[K]>;

export function manifestDir(campaign: string, round: number): string {
  return `${roundDir(campaign, round)}/manifest`;
}

/** Records one step's output (for sharded steps and jobs, under `part`: the shard number or attempt). */
export async function recordStep<K extends keyof ManifestEntries>(
  store: RunStore,
  campaign: string,
  round: number,
  scope: ManifestScope,
  step: K,
  value: Entry<K>,
  part?: string | number,
): Promise<void> {
  const name = part === undefined ? step : `${step}.${part}`;
  await store.writeJsonAtomic(`${manifestDir(campaign, round)}/${name}.json`, { step, part: part === undefined ? undefined : String(part), scope, at: new Date().toISOString(), value });
}

/** The manifest of a round as recorded so far (entries of another scope left out). */
export async function readManifest(store: RunStore, campaign: string, round: number, scope: ManifestScope): Promise<ManifestEntries> {
  const out: Record<string, unknown> = {};
  const dir = manifestDir(campaign, round);
  for (const rel of await store.list(`${dir}/`)) {
    if (!rel.endsWith('.json')) continue;
    const e = await store.readJson<{ step: keyof ManifestEntries; part?: string; scope: ManifestScope; value: unknown }>(rel);
    if (!e.scope || e.scope.model !== scope.model || e.scope.frontier !== scope.frontier) continue;
    if (e.part === undefined) out[e.step] = e.value;
    else ((out[e.step] ??= {}) as Record<string, unknown>)[e.part] = e.value;
  }
  return out as ManifestEntries;
}

/** Total tokens of what the manifest's shards drew. */
export function manifestUsage(m: ManifestEntries): TokenUsage {
  const parts = [...Object.values(m.estimate ?? {}), ...Object.values(m.traces ?? {})];
  return parts.reduce((u, p) => ({ promptTokens: u.promptTokens + p.usage.promptTokens, completionTokens: u.completionTokens + p.usage.completionTokens }), { promptTokens: 0, completionTokens: 0 });
}
