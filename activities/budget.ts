import { ApplicationFailure } from '@temporalio/activity';
import { averageSampleCost, formatCost } from '../lib/budget/cost';
import type { RoundInput } from '../lib/campaign/types';
import { ledgerUsage, priceRows } from '../lib/report/campaignReport';
import type { DirectoryRunStore } from '../lib/store';
import { activityLog, runStore } from './deps';

/**
 * Before a phase that draws samples: what the campaign and this round spent (the ledger's tokens, priced) plus
 * what the phase would spend (its planned samples at the average cost of the samples of that purpose already
 * drawn). Over a `budget` limit: a non-retryable failure whose message starts with "budget", so the round is
 * `blocked` before it spends.
 */
export async function checkBudget({ ctx, purpose, plannedSamples }: { ctx: RoundInput; purpose: string; plannedSamples: number }): Promise<{ spent: number; projected: number }> {
  const budget = ctx.config.budget;
  const usage = await ledgerUsage(runStore() as DirectoryRunStore, ctx.campaign);
  let campaignSpent = 0;
  let roundSpent = 0;
  const samePurpose: Awaited<ReturnType<typeof ledgerUsage>> extends Map<number, infer R> ? R : never = [];
  for (const [round, rows] of usage) {
    const cost = priceRows(ctx.config, rows) ?? 0;
    campaignSpent += cost;
    if (round === ctx.round) roundSpent += cost;
    samePurpose.push(...rows.filter((r) => r.phase === purpose));
  }
  const projected = plannedSamples * averageSampleCost(samePurpose);
  const log = activityLog(ctx, 'budget');
  log.info({ campaignSpent, roundSpent, projected, purpose, plannedSamples }, 'budget check');
  const over = (limit: number | undefined, spent: number, what: string) => {
    if (limit === undefined || spent + projected <= limit) return;
    throw ApplicationFailure.nonRetryable(
      `budget: ${what} spent ${formatCost(spent)} and round ${ctx.round}'s ${purpose} phase would add about ${formatCost(projected)} (${plannedSamples} samples at ${averageSampleCost(samePurpose).toPrecision(2)} each), over the ${what.replace(/^(the|this) /, '')} budget of ${formatCost(limit)}; to go on, raise budget in the config, \`strawberry cancel ${ctx.campaign}\` and \`strawberry resume ${ctx.campaign} --config <file>\``,
      'BudgetExceeded',
    );
  };
  over(budget?.perCampaign, campaignSpent, 'the campaign');
  over(budget?.perRound, roundSpent, 'this round');
  return { spent: campaignSpent, projected };
}
