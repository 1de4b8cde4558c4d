import { allHandlersFinished, condition, makeContinueAsNewFunc, setHandler } from '@temporalio/workflow';
import type { CampaignInput, CampaignOutcome } from '../lib/campaign/types';
import { Campaign } from './campaignState';
import { cancelSignal, configureUpdate, pauseSignal, statusQuery, unpauseSignal } from './messages';
import { assertCurrentShape } from './shape';

export function campaignWorkflowId(name: string): string {
  return `campaign/${name}`;
}

/**
 * A campaign: one round per run of this workflow (a child workflow), then continue-as-new with the compact
 * state. Signals pause/unpause/cancel, the `configure` update and the `status` query work at any time; a round
 * that needs a person (a failed fine-tune, a provider that refuses) leaves the campaign `blocked` until
 * `unpause` (retry) or `cancel`. The state and its transitions live in `Campaign` (campaignState.ts).
 */
export async function campaignWorkflow(input: CampaignInput): Promise<CampaignOutcome> {
  assertCurrentShape(input, 'campaign');
  const campaign = new Campaign(input);
  setHandler(statusQuery, () => campaign.status());
  setHandler(configureUpdate, (tunables) => campaign.configure(tunables), { validator: (tunables) => campaign.validateConfigure(tunables) });
  setHandler(pauseSignal, () => campaign.pause());
  setHandler(unpauseSignal, () => campaign.unpause());
  setHandler(cancelSignal, (opts) => campaign.cancel(opts));

  await campaign.open();
  await campaign.evaluateBase();
  for (;;) {
    const stop = campaign.stopReason();
    if (stop) return await campaign.finish(stop);
    if (!(await campaign.waitWhilePaused())) return await campaign.finish('cancelled by request');

    const result = await campaign.runRound();
    if (campaign.cancelRequested) return await campaign.finish('cancelled by request');
    if (result.status === 'blocked') {
      if (!(await campaign.waitUntilUnblocked(result))) return await campaign.finish(`cancelled while blocked: ${result.reason}`);
      continue;
    }

    campaign.roundCompleted(result);
    // A configure update still running must land in the state that is carried over.
    await condition(allHandlersFinished);
    // The memo goes with the new run, so its page shows the campaign's summary and rounds from its start.
    await makeContinueAsNewFunc<typeof campaignWorkflow>({ memo: campaign.memo() })(campaign.continueAsNewInput());
  }
}
