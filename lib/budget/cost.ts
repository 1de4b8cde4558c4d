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
