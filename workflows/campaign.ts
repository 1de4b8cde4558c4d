import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  startChild,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  makeContinueAsNewFunc,
  setHandler,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { stopReason } from '../lib/campaign/advance';
import type { CampaignInput, CampaignOutcome, CampaignState, RoundInput, RoundResult } from '../lib/campaign/types';
import { applyTunables } from '../lib/config/tunables';
import { campaignMemo, MEMO_PATCH, shownRound, showCampaign } from './details';
import { cancelSignal, configureUpdate, pauseSignal, statusQuery, unpauseSignal, type CampaignStatus, type CancelOptions } from './messages';
import { roundStaticSummary, roundWorkflow, roundWorkflowId } from './round';
import { CampaignKey, FrontierKey, PhaseKey, RoundKey, StudentModelKey } from './searchAttributes';

const initOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  // Bounded like every step (the activity heartbeats while it loads a curriculum).
  heartbeatTimeout: '2 minutes',
  retry: { maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: ['UserError'] },
};
const { initCampaign, cancelProviderWork } = proxyActivities<typeof activities>(initOptions);
/** Cancelling provider work is retried a bounded number of times: a cancel must end the campaign. */
const cancelWorkOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumInterval: '30 seconds', maximumAttempts: 8, nonRetryableErrorTypes: ['UserError', 'ProviderRequestError'] },
};
/** A stopped campaign's Round search attribute is the last round run (added after histories were recorded). */
const ROUND_COUNT_PATCH = 'campaign-round-count';


export function campaignWorkflowId(name: string): string {
  return `campaign/${name}`;
}

/** Keeps the carried state small: the last rounds only (the registry and run store hold them all). */
const MAX_SUMMARIES = 20;

/**
 * A campaign: rounds as child workflows, one per run of this workflow, which continues-as-new after each
 * round with compact state. Signals pause/unpause/cancel, the `configure` update and the `status` query
 * work at any time; a round that needs a person (a failed fine-tune, a provider that refuses) leaves the
 * campaign `blocked` until `unpause` (retry) or `cancel`.
 */
export async function campaignWorkflow(input: CampaignInput): Promise<CampaignOutcome> {
  const name = input.config.name;
  // Until the first run has its state (the curriculum is loaded by an activity), `status` says so and
  // `configure` applies to the config the state will be made from.
  let live: CampaignState | undefined;
  let pendingConfig = input.state?.config ?? input.config;
  setHandler(statusQuery, () => startingStatus(input));
  setHandler(
    configureUpdate,
    (tunables) => {
      if (live) live.config = applyTunables(live.config, tunables);
      else pendingConfig = applyTunables(pendingConfig, tunables);
      return tunables;
    },
    { validator: (tunables) => void applyTunables(live?.config ?? pendingConfig, tunables) },
  );
  const state: CampaignState = input.state ?? (await initialState(input));
  if (!input.state) state.config = pendingConfig;
  live = state;
  let phase = 'waiting';
  let blockedReason: string | undefined;
  let cancelRequested = false;
  let cancelOptions: CancelOptions = {};
  let unblocked = false;
  let runningRound: string | undefined;
  let roundScope: CancellationScope | undefined;

  const show = (stop?: string) => {
    upsertSearchAttributes([
      { key: CampaignKey, value: name },
      // A stopped campaign shows the last round it ran (a 6-round campaign must not say "round 7").
      { key: RoundKey, value: stop !== undefined && patched(ROUND_COUNT_PATCH) ? shownRound(state, true) : state.round },
      { key: PhaseKey, value: phase },
      { key: FrontierKey, value: state.frontier },
      { key: StudentModelKey, value: state.currentModel },
    ]);
    showCampaign(name, state, phase, blockedReason, stop);
  };
  const forward = async (signal: typeof pauseSignal | typeof unpauseSignal) => {
    if (!runningRound) return;
    try {
      await getExternalWorkflowHandle(runningRound).signal(signal);
    } catch {
      // the round finished in the meantime
    }
  };

  setHandler(pauseSignal, async () => {
    state.paused = true;
    show();
    await forward(pauseSignal);
  });
  setHandler(unpauseSignal, async () => {
    state.paused = false;
    unblocked = true;
    show();
    await forward(unpauseSignal);
  });
  setHandler(cancelSignal, (opts?: CancelOptions) => {
    cancelRequested = true;
    cancelOptions = opts ?? {};
    roundScope?.cancel();
  });
  setHandler(statusQuery, (): CampaignStatus => ({
    name,
    round: state.round,
    phase,
    frontier: state.frontier,
    levelCount: state.levelCount,
    currentModel: state.currentModel,
    baseModel: state.baseModel,
    paused: state.paused,
    blockedReason,
    roundsWithoutPromotion: state.roundsWithoutPromotion,
    summaries: state.summaries,
  }));

  const outcome = async (stop: string): Promise<CampaignOutcome> => {
    let reason = stop;
    // Added after histories were recorded: a cancel reaches the provider (the round's job, the deployments).
    if (cancelRequested && patched('cancel-reaches-provider')) {
      phase = 'cancelling';
      show();
      try {
        await cancelProviderWork.executeWithOptions(
          { ...cancelWorkOptions, summary: cancelOptions.keepDeployments ? 'cancel the running fine-tune job' : 'cancel the running fine-tune job, tear down deployments' },
          [{ campaign: name, config: state.config, round: state.round, keepDeployments: cancelOptions.keepDeployments ?? false }],
        );
      } catch (err) {
        // Bounded: the campaign still ends; the reason says what may be left running at the provider.
        reason = `${reason}; provider cleanup failed (check the provider for a running job or deployment): ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
      }
    }
    phase = cancelRequested ? 'cancelled' : 'done';
    show(reason);
    return { name, stopReason: reason, rounds: state.summaries, finalModel: state.currentModel, frontier: state.frontier };
  };

  for (;;) {
    const stop = stopReason({
      round: state.round,
      frontier: state.frontier,
      levelCount: state.levelCount,
      maxRounds: state.config.stopping.maxRounds,
      roundsWithoutPromotion: state.roundsWithoutPromotion,
      maxRoundsWithoutPromotion: state.config.stopping.maxRoundsWithoutPromotion,
    });
    if (stop) return await outcome(stop);

    phase = state.paused ? 'paused' : 'round';
    show();
    await condition(() => !state.paused || cancelRequested);
    if (cancelRequested) return await outcome('cancelled by request');

    const result = await runRound(roundInput(state));
    if (cancelRequested) return await outcome('cancelled by request');

    if (result.status === 'blocked') {
      phase = 'blocked';
      blockedReason = result.reason;
      state.resume = result.resume;
      unblocked = false;
      show();
      await condition(() => unblocked || cancelRequested);
      if (cancelRequested) return await outcome(`cancelled while blocked: ${result.reason}`);
      blockedReason = undefined;
      state.attempt += 1;
      continue;
    }

    state.summaries = [...state.summaries, result.summary].slice(-MAX_SUMMARIES);
    state.roundsWithoutPromotion = result.summary.promoted ? 0 : state.roundsWithoutPromotion + 1;
    state.currentModel = result.currentModel;
    state.currentServedModel = result.currentServedModel;
    state.frontier = result.nextFrontier;
    state.round += 1;
    state.attempt = 1;
    state.resume = undefined;
    phase = 'between rounds';
    show();
    await condition(allHandlersFinished);
    const next = { config: input.config, state };
    // The memo goes with the new run, so its page shows the campaign's summary and rounds from its start.
    if (patched(MEMO_PATCH)) await makeContinueAsNewFunc<typeof campaignWorkflow>({ memo: campaignMemo(name, state, 'between rounds') })(next);
    await continueAsNew<typeof campaignWorkflow>(next);
  }

  async function runRound(args: RoundInput): Promise<RoundResult> {
    roundScope = new CancellationScope();
    const pausedAtStart = state.paused;
    try {
      return await roundScope.run(async () => {
        const child = await startChild(roundWorkflow, {
          workflowId: roundWorkflowId(name, args.round),
          args: [args],
          staticSummary: roundStaticSummary(args),
          typedSearchAttributes: [
            { key: CampaignKey, value: name },
            { key: RoundKey, value: args.round },
            { key: FrontierKey, value: args.frontier },
            { key: StudentModelKey, value: args.model },
          ],
        });
        runningRound = child.workflowId;
        // A pause (or unpause) that arrived while the round was being started could not be forwarded yet.
        if (state.paused !== pausedAtStart) await forward(state.paused ? pauseSignal : unpauseSignal);
        return child.result();
      });
    } catch (err) {
      if (cancelRequested && isCancellation(err)) return { status: 'blocked', reason: 'cancelled' };
      // Anything else that ended the round (a bug, an unexpected failure) also waits for a person.
      return { status: 'blocked', reason: `round ${args.round} failed: ${err instanceof Error ? err.message : String(err)}`, resume: state.resume };
    } finally {
      runningRound = undefined;
      roundScope = undefined;
    }
  }
}

async function initialState(input: CampaignInput): Promise<CampaignState> {
  const { config } = input;
  const { levelCount } = await initCampaign.executeWithOptions({ ...initOptions, summary: 'load the curriculum, register the base model' }, [{ config }]);
  return {
    round: 1,
    frontier: config.startLevel,
    levelCount,
    baseModel: config.student.baseModel,
    currentModel: config.student.baseModel,
    roundsWithoutPromotion: 0,
    summaries: [],
    attempt: 1,
    paused: false,
    config,
  };
}

function startingStatus(input: CampaignInput): CampaignStatus {
  const { config } = input;
  return {
    name: config.name,
    round: 1,
    phase: 'starting',
    frontier: config.startLevel,
    levelCount: 0,
    currentModel: config.student.baseModel,
    baseModel: config.student.baseModel,
    paused: false,
    roundsWithoutPromotion: 0,
    summaries: [],
  };
}

function roundInput(state: CampaignState): RoundInput {
  return {
    campaign: state.config.name,
    round: state.round,
    frontier: state.frontier,
    levelCount: state.levelCount,
    model: state.currentModel,
    baseModel: state.baseModel,
    attempt: state.attempt,
    resume: state.resume,
    ...(state.currentServedModel ? { served: { [state.currentModel]: state.currentServedModel } } : {}),
    config: state.config,
  };
}
