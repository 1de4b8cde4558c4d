import { ApplicationFailure } from '@temporalio/activity';
import { averageSampleCost, estimatedTrainingTokens, formatCost, priceOf, trainingCost } from '../lib/budget/cost';
import { providerFor } from '../lib/config/load';
import type { RoundContext } from '../lib/campaign/types';
import { ledgerUsage, priceRows, spentByRound } from '../lib/report/campaignReport';
import type { Ref, RunStore } from '../lib/store';
import { activityLog, configOf, runStore } from './deps';
import { stepRef } from './manifest';

/**
 * Before a phase that draws samples or trains: what the campaign and this round spent (the ledger's tokens,
 * trained tokens and deployment time, priced) plus what the phase would spend (its planned samples at the
 * average cost of the samples of that purpose already drawn; for the fine-tune phase, the dataset's tokens x
 * epochs at the training price). Over a `budget` limit: a non-retryable failure whose message starts with "budget", so the round is
 * `blocked` before it spends.
 */
export async function checkBudget({
  ctx,
  purpose,
  plannedSamples,
}: {
  ctx: RoundContext;
  /** `fine-tune`: the projection is the round's dataset (its tokens x epochs, at the training price). */
  purpose: 'estimate' | 'trace' | 'fine-tune';
  plannedSamples: number;
}): Promise<{ spent: number; projected: number }> {
  const config = await configOf(ctx);
  const budget = config.budget;
  const store = runStore();
  const usage = await ledgerUsage(store, ctx.campaign);
  // Chat tokens, trained tokens and deployment time already spent (a live deployment counts up to now).
  const spentByRoundNow = await spentByRound(store, ctx.campaign, config);
  let campaignSpent = 0;
  let roundSpent = 0;
  for (const [round, cost] of spentByRoundNow) {
    campaignSpent += cost;
    if (round === ctx.round) roundSpent += cost;
  }
  const samePurpose: Awaited<ReturnType<typeof ledgerUsage>> extends Map<number, infer R> ? R : never = [];
  for (const rows of usage.values()) {
    priceRows(config, rows);
    samePurpose.push(...rows.filter((r) => r.phase === purpose));
  }
  let projected: number;
  let what: string;
  if (purpose === 'fine-tune') {
    const dataset = await stepRef(ctx, 'dataset');
    const provider = providerFor(config, 'fineTune');
    const tokens = estimatedTrainingTokens(await datasetTokens(store, dataset), config.fineTune.nEpochs);
    projected = trainingCost(tokens, priceOf(config, provider.name, ctx.baseModel)) ?? 0;
    what = `about ${tokens} training tokens`;
  } else {
    projected = plannedSamples * averageSampleCost(samePurpose);
    what = `${plannedSamples} samples at ${averageSampleCost(samePurpose).toPrecision(2)} each`;
  }
  const log = activityLog(ctx, 'budget');
  log.info({ campaignSpent, roundSpent, projected, purpose, plannedSamples }, 'budget check');
  const over = (limit: number | undefined, spent: number, whose: string) => {
    if (limit === undefined || spent + projected <= limit) return;
    throw ApplicationFailure.nonRetryable(
      `budget: ${whose} spent ${formatCost(spent)} and round ${ctx.round}'s ${purpose} phase would add about ${formatCost(projected)} (${what}), over the ${whose.replace(/^(the|this) /, '')} budget of ${formatCost(limit)}; to go on, raise budget in the config, \`strawberry cancel ${ctx.campaign}\` and \`strawberry resume ${ctx.campaign} --config <file>\``,
      'BudgetExceeded',
    );
  };
  over(budget?.perCampaign, campaignSpent, 'the campaign');
  over(budget?.perRound, roundSpent, 'this round');
  return { spent: campaignSpent, projected };
}

/** Tokens of a JSONL dataset, approximated as its bytes / 4 (no tokenizer on the worker). */
async function datasetTokens(store: RunStore, dataset: Ref): Promise<number> {
  // References made before `bytes` was recorded: ask the store for the size.
  const size = dataset.bytes ?? (await store.source(dataset)).bytes;
  return Math.ceil(size / 4);
}
