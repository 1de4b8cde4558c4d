import { z } from 'zod';
import type { ResolvedCampaignConfig } from './load';

/**
 * The settings a running campaign may change through the `configure` update. Only what is safe between
 * phases: the band, sample counts, caps and the fine-tune poll interval. The workflow validator runs
 * `checkTunables`, so this file must stay pure (no I/O).
 */
export const TunablesSchema = z
  .object({
    band: z
      .object({ min: z.number().min(0).max(1).optional(), max: z.number().min(0).max(1).optional() })
      .strict()
      .optional(),
    maxProblems: z.number().int().positive().optional().describe('cap on in-band problems per round'),
    estimationK: z.number().int().min(1).max(1000).optional().describe('samples per problem for pass-rate estimation'),
    tracesPerProblem: z.number().int().min(1).max(100).optional(),
    perProblemCap: z.number().int().min(1).optional().describe('dataset: traces kept per problem'),
    pollIntervalSeconds: z.number().min(0.1).max(86_400).optional(),
  })
  .strict();

export type Tunables = z.infer<typeof TunablesSchema>;

/**
 * Checks tunables against the campaign's current band; throws an Error naming the field. Pure: the
 * workflow's `configure` validator runs it before anything is recorded.
 */
export function checkTunables(band: { min: number; max: number }, input: unknown): Tunables {
  const parsed = TunablesSchema.safeParse(input);
  if (!parsed.success) {
    const iss = parsed.error.issues[0]!;
    throw new Error(`configure: ${iss.path.join('.') || '(input)'}: ${iss.message}`);
  }
  const t = parsed.data;
  const next = { ...band, ...t.band };
  if (next.min > next.max) throw new Error(`configure: band.min (${next.min}) must be <= band.max (${next.max})`);
  return t;
}

/** The config with validated tunables applied (a new version: the caller stores it under its own hash). */
export function applyTunables(config: ResolvedCampaignConfig, input: unknown): ResolvedCampaignConfig {
  const t = checkTunables(config.band.band, input);
  return {
    ...config,
    band: { ...config.band, band: { ...config.band.band, ...t.band }, maxProblems: t.maxProblems ?? config.band.maxProblems },
    estimation: { ...config.estimation, k: t.estimationK ?? config.estimation.k },
    traces: { ...config.traces, perProblem: t.tracesPerProblem ?? config.traces.perProblem },
    dataset: { ...config.dataset, perProblemCap: t.perProblemCap ?? config.dataset.perProblemCap },
    fineTune: { ...config.fineTune, pollIntervalSeconds: t.pollIntervalSeconds ?? config.fineTune.pollIntervalSeconds },
  };
}
