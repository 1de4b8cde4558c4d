import type { CampaignConfig } from '../config/schema';

/** Token usage priced with the config's price table (per provider, then model id or "*", per million tokens). */
export interface Price {
  inputPerMillion: number;
  outputPerMillion: number;
  trainingPerMillion?: number;
  deploymentPerHour?: number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export function priceOf(config: Pick<CampaignConfig, 'prices'>, provider: string, model: string): Price | undefined {
  const table = config.prices?.[provider];
  return table?.[model] ?? table?.['*'];
}

export function costOf(usage: Usage, price: Price | undefined): number | undefined {
  if (!price) return undefined;
  return (usage.promptTokens * price.inputPerMillion + usage.completionTokens * price.outputPerMillion) / 1e6;
}

/** Average cost of one sample among those drawn (0 when none was drawn yet: nothing to estimate from). */
export function averageSampleCost(rows: readonly (Usage & { samples: number; cost?: number })[]): number {
  const samples = rows.reduce((s, r) => s + r.samples, 0);
  const cost = rows.reduce((s, r) => s + (r.cost ?? 0), 0);
  return samples > 0 ? cost / samples : 0;
}

export function formatCost(cost: number | undefined): string {
  return cost === undefined ? '' : cost < 0.01 ? cost.toFixed(4) : cost.toFixed(2);
}

/** Fine-tuning: trained tokens at the price's `trainingPerMillion` (undefined without that price). */
export function trainingCost(trainedTokens: number | undefined, price: Price | undefined): number | undefined {
  if (trainedTokens === undefined || price?.trainingPerMillion === undefined) return undefined;
  return (trainedTokens * price.trainingPerMillion) / 1e6;
}

/** Estimated training tokens of a job before it runs: the dataset's tokens once per epoch. */
export function estimatedTrainingTokens(datasetTokens: number, epochs: number | undefined): number {
  return datasetTokens * Math.max(1, epochs ?? 1);
}

/**
 * Seconds a deployment has run: from creation to teardown, or up to `now` while it is still up (a live
 * deployment keeps costing).
 */
export function deploymentSeconds(d: { createdAt: string; deletedAt?: string; runningSeconds?: number }, now: Date = new Date()): number {
  if (d.runningSeconds !== undefined) return d.runningSeconds;
  const end = d.deletedAt ? Date.parse(d.deletedAt) : now.getTime();
  const start = Date.parse(d.createdAt);
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, Math.round((end - start) / 1000)) : 0;
}

/** A deployment's running time at the price's `deploymentPerHour` (undefined without that price). */
export function deploymentCost(seconds: number, price: Price | undefined): number | undefined {
  if (price?.deploymentPerHour === undefined) return undefined;
  return (seconds / 3600) * price.deploymentPerHour;
}
