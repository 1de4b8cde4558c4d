import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { stopReason } from '../lib/campaign/advance';
import type { CampaignSettings } from '../lib/campaign/settings';
import { taskQueueFor } from '../lib/campaign/taskQueues';
import { WORKFLOW_SHAPE, type CampaignInput, type CampaignOutcome, type CampaignState, type RoundInput, type RoundResult, type RoundSummary } from '../lib/campaign/types';
import { checkTunables, type Tunables } from '../lib/config/tunables';
import { campaignMemo, shownRound, showCampaign, type CampaignView } from './memo';
import { pauseSignal, unpauseSignal, type CampaignStatus, type CancelOptions } from './messages';
import { roundStaticSummary, roundWorkflow, roundWorkflowId } from './round';
import { CampaignKey, FrontierKey, PhaseKey, RoundKey, StudentModelKey } from './searchAttributes';

const campaignOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  // Bounded like every step (the activity heartbeats while it loads a curriculum).
  heartbeatTimeout: '2 minutes',
  retry: { maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: ['UserError'] },
};
const { openCampaign, reconfigure } = proxyActivities<typeof activities>(campaignOptions);
/** Cancelling provider work is retried a bounded number of times: a cancel must end the campaign. */
const cancelWorkOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { maximumInterval: '30 seconds', maximumAttempts: 8, nonRetryableErrorTypes: ['UserError', 'ProviderRequestError'] },
};
const { cancelProviderWork } = proxyActivities<typeof activities>(cancelWorkOptions);
/** The final evaluation (round 0 and the end) samples every level: long, heartbeating, retried a bounded number of times. */
const finalEvaluationOptions: ActivityOptions = {
  startToCloseTimeout: '24 hours',
  // A provider that refuses (401, 404 for an unknown reference model) is not asked again: the reason says why.
  retry: { maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: ['UserError', 'ProviderRequestError', 'LedgerFormatError'] },
};
const { evaluateFinal } = proxyActivities<typeof activities>({ ...finalEvaluationOptions, heartbeatTimeout: '2 minutes' });

/**
 * The state of one run of a campaign workflow and its transitions (after the safe-message-handlers sample):
 * the workflow function wires each message to one method here and runs the loop; this class owns what the
 * messages change. What outlives the run is `state` (carried by continue-as-new: ids, counters and the stored
 * config's hash); settings and recent rounds are read from the run store when the run opens.
 */
export class Campaign {
  readonly name: string;
  state: CampaignState;
  settings?: CampaignSettings;
  summaries: RoundSummary[] = [];
  phase = 'starting';
  private blockedReason?: string;
  cancelRequested = false;
  private cancelOptions: CancelOptions = {};
  private unblocked = false;
  /** How far a blocked round got, so its retry starts at the fine-tune. */
  private resume?: RoundInput['resume'];
  private runningRound?: string;
  private roundScope?: CancellationScope;
  /** The final evaluation while it runs (round 0, the end), so a cancel stops it. */
  private evaluationScope?: CancellationScope;
  /** `configure` updates apply one after another, each on the version the previous one stored. */
  private configuring: Promise<unknown> = Promise.resolve();

  constructor(private readonly input: CampaignInput) {
    this.name = input.name;
    // Until the run opens (first run: the curriculum is loaded by an activity) the state is a placeholder.
    this.state = input.state ?? {
      round: 1,
      frontier: 0,
      levelCount: 0,
      baseModel: '',
      currentModel: '',
      roundsWithoutPromotion: 0,
      attempt: 1,
      paused: false,
      configHash: input.configHash,
    };
  }

  /** Reads the stored config's settings and the recent rounds; on the first run, the initial state too. */
  async open(): Promise<void> {
    const first = this.input.state === undefined;
    const opened = await openCampaign.executeWithOptions(
      { ...campaignOptions, summary: first ? 'load the curriculum, register the base model' : 'read the settings and recent rounds' },
      [{ campaign: this.name, configHash: this.state.configHash, first }],
    );
    this.settings = opened.settings;
    this.summaries = opened.summaries;
    if (first) {
      // Configure updates accepted meanwhile changed only configHash; the rest comes from the stored config.
      this.state = { ...this.state, levelCount: opened.levelCount ?? 0, ...opened.initial };
    }
    this.phase = this.state.paused ? 'paused' : 'waiting';
  }

  status(): CampaignStatus {
    const s = this.state;
    return {
      name: this.name,
      round: s.round,
      phase: this.phase,
      frontier: s.frontier,
      levelCount: s.levelCount,
      currentModel: s.currentModel,
      baseModel: s.baseModel,
      paused: s.paused,
      blockedReason: this.blockedReason,
      roundsWithoutPromotion: s.roundsWithoutPromotion,
      summaries: this.summaries,
      configHash: s.configHash,
      ...(s.skills ? { skills: s.skills } : {}),
    };
  }

  async pause(): Promise<void> {
    this.state.paused = true;
    if (this.phase === 'starting' || this.phase === 'waiting') this.phase = 'paused';
    this.show();
    await this.forward(pauseSignal);
  }

  async unpause(): Promise<void> {
    this.state.paused = false;
    this.unblocked = true;
    this.show();
    await this.forward(unpauseSignal);
  }

  cancel(opts?: CancelOptions): void {
    this.cancelRequested = true;
    this.cancelOptions = opts ?? {};
    this.roundScope?.cancel();
    this.evaluationScope?.cancel();
  }

  /**
   * Round 0 (the first run only, before round 1): the base model and each reference on every level. Failing
   * here does not stop the campaign: the end's evaluation draws what is missing.
   */
  async evaluateBase(): Promise<void> {
    if (this.input.state !== undefined) return;
    this.phase = 'evaluating';
    this.show();
    await this.evaluate('base').catch(() => undefined);
    if (this.phase === 'evaluating') this.phase = this.state.paused ? 'paused' : 'waiting';
    this.show();
  }

  /** Runs the final evaluation of a stage (activities/finalEvaluation.ts); its path in the run store, or undefined when off. */
  private async evaluate(stage: 'base' | 'final'): Promise<string | undefined> {
    const s = this.state;
    this.evaluationScope = new CancellationScope();
    try {
      const ref = await this.evaluationScope.run(() =>
        evaluateFinal.executeWithOptions(
          {
            ...finalEvaluationOptions,
            heartbeatTimeout: `${this.settings!.heartbeatTimeoutSeconds} seconds`,
            summary: stage === 'base' ? 'round 0: evaluate the base model and the references on every level' : `final evaluation of ${s.currentModel}, the base model and the references on every level`,
          },
          [
            {
              campaign: this.name,
              configHash: s.configHash,
              stage,
              baseModel: s.baseModel,
              ...(stage === 'final' ? { model: s.currentModel } : {}),
              ...(stage === 'final' && s.currentServedModel ? { served: { [s.currentModel]: s.currentServedModel } } : {}),
            },
          ],
        ),
      );
      return ref?.path;
    } finally {
      this.evaluationScope = undefined;
    }
  }

  /**
   * The `configure` validator: rejects bad values before anything is recorded in history. Before the run has
   * opened, the band is not known yet: the activity that applies the change checks it against the config.
   */
  validateConfigure(tunables: Tunables): void {
    checkTunables(this.settings?.band ?? { min: 0, max: 1 }, tunables);
  }

  /** Stores a new config version with the tunables applied; the next round runs with it. */
  configure(tunables: Tunables): Promise<Tunables> {
    const next = this.configuring.then(async () => {
      await condition(() => this.settings !== undefined);
      const changed = await reconfigure.executeWithOptions({ ...campaignOptions, summary: 'store the reconfigured config' }, [
        { campaign: this.name, configHash: this.state.configHash, tunables },
      ]);
      this.state.configHash = changed.configHash;
      this.settings = changed.settings;
      return tunables;
    });
    this.configuring = next.catch(() => undefined);
    return next;
  }

  /** Why the campaign stops before its next round, or undefined to go on. */
  stopReason(): string | undefined {
    const s = this.state;
    return stopReason({
      round: s.round,
      frontier: s.frontier,
      levelCount: s.levelCount,
      maxRounds: this.settings!.maxRounds,
      roundsWithoutPromotion: s.roundsWithoutPromotion,
      maxRoundsWithoutPromotion: this.settings!.maxRoundsWithoutPromotion,
      ...(s.skills ? { skills: s.skills } : {}),
    });
  }

  /** Waits while paused; false when a cancel arrived instead. */
  async waitWhilePaused(): Promise<boolean> {
    this.phase = this.state.paused ? 'paused' : 'round';
    this.show();
    await condition(() => !this.state.paused || this.cancelRequested);
    return !this.cancelRequested;
  }

  /** Runs the next round as a child workflow; anything that ends it other than a result is `blocked`. */
  async runRound(): Promise<RoundResult> {
    const args = this.roundInput();
    this.roundScope = new CancellationScope();
    const pausedAtStart = this.state.paused;
    try {
      return await this.roundScope.run(async () => {
        const child = await startChild(roundWorkflow, {
          workflowId: roundWorkflowId(this.name, args.round),
          args: [args],
          staticSummary: roundStaticSummary(args),
          typedSearchAttributes: [
            { key: CampaignKey, value: this.name },
            { key: RoundKey, value: args.round },
            { key: FrontierKey, value: args.frontier },
            { key: StudentModelKey, value: args.model },
          ],
        });
        this.runningRound = child.workflowId;
        // A pause (or unpause) that arrived while the round was being started could not be forwarded yet.
        if (this.state.paused !== pausedAtStart) await this.forward(this.state.paused ? pauseSignal : unpauseSignal);
        return child.result();
      });
    } catch (err) {
      if (this.cancelRequested && isCancellation(err)) return { status: 'blocked', reason: 'cancelled' };
      // Anything else that ended the round (a bug, an unexpected failure) also waits for a person.
      return { status: 'blocked', reason: `round ${args.round} failed: ${err instanceof Error ? err.message : String(err)}`, resume: this.resume };
    } finally {
      this.runningRound = undefined;
      this.roundScope = undefined;
    }
  }

  /** A blocked round waits for `unpause` (retry with the next fine-tune attempt); false when cancelled instead. */
  async waitUntilUnblocked(result: Extract<RoundResult, { status: 'blocked' }>): Promise<boolean> {
    this.phase = 'blocked';
    this.blockedReason = result.reason;
    this.resume = result.resume;
    this.unblocked = false;
    this.show();
    await condition(() => this.unblocked || this.cancelRequested);
    if (this.cancelRequested) return false;
    this.blockedReason = undefined;
    this.state.attempt += 1;
    return true;
  }

  roundCompleted(result: Extract<RoundResult, { status: 'completed' }>): void {
    const s = this.state;
    this.summaries = [...this.summaries, result.summary];
    s.roundsWithoutPromotion = result.summary.promoted ? 0 : s.roundsWithoutPromotion + 1;
    s.currentModel = result.currentModel;
    s.currentServedModel = result.currentServedModel;
    s.frontier = result.nextFrontier;
    if (result.skills) s.skills = result.skills;
    s.round += 1;
    s.attempt = 1;
    this.resume = undefined;
    this.phase = 'between rounds';
    this.show();
  }

  /** Every run holds one round: the next one starts in a fresh run with only `state` carried. */
  continueAsNewInput(): CampaignInput {
    return { shape: WORKFLOW_SHAPE, name: this.name, configHash: this.state.configHash, state: this.state };
  }

  memo(): Record<string, unknown> {
    return campaignMemo(this.view());
  }

  /** Ends the campaign: on cancel, the provider's job and the campaign's deployments first (bounded). */
  async finish(stop: string): Promise<CampaignOutcome> {
    let reason = stop;
    let finalEvaluation: string | undefined;
    // A campaign that ran to its end is judged on every level, beside the base model and the references.
    if (!this.cancelRequested) {
      this.phase = 'final evaluation';
      this.show();
      try {
        finalEvaluation = await this.evaluate('final');
      } catch (err) {
        if (!this.cancelRequested)
          reason = `${reason}; the final evaluation failed (the campaign's models are registered; \`strawberry eval\` can evaluate them): ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
      }
    }
    if (this.cancelRequested) {
      this.phase = 'cancelling';
      this.show();
      const keep = this.cancelOptions.keepDeployments ?? false;
      try {
        await cancelProviderWork.executeWithOptions(
          { ...cancelWorkOptions, summary: keep ? 'cancel the running fine-tune job' : 'cancel the running fine-tune job, tear down deployments', ...this.trainingQueue() },
          [{ campaign: this.name, configHash: this.state.configHash, round: this.state.round, keepDeployments: keep }],
        );
      } catch (err) {
        // Bounded: the campaign still ends; the reason says what may be left running at the provider.
        reason = `${reason}; provider cleanup failed (check the provider for a running job or deployment): ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
      }
    }
    this.phase = this.cancelRequested ? 'cancelled' : 'done';
    this.show(reason);
    return {
      name: this.name,
      stopReason: reason,
      rounds: this.summaries,
      finalModel: this.state.currentModel,
      frontier: this.state.frontier,
      ...(finalEvaluation ? { finalEvaluation } : {}),
    };
  }

  /** Search attributes, current details and memo, after every transition. */
  show(stop?: string): void {
    if (!this.settings) return;
    upsertSearchAttributes([
      { key: CampaignKey, value: this.name },
      // A stopped campaign shows the last round it ran (a 6-round campaign must not say "round 7").
      { key: RoundKey, value: shownRound(this.state, stop !== undefined) },
      { key: PhaseKey, value: this.phase },
      { key: FrontierKey, value: this.state.frontier },
      { key: StudentModelKey, value: this.state.currentModel },
    ]);
    showCampaign(this.view(stop));
  }

  /** Cancelling a fine-tune job runs where training runs: a local provider's job lives on the training host. */
  private trainingQueue(): { taskQueue?: string } {
    const taskQueue = taskQueueFor(this.settings?.taskQueues, 'training', workflowInfo().taskQueue);
    return taskQueue ? { taskQueue } : {};
  }

  private view(stop?: string): CampaignView {
    return { name: this.name, state: this.state, settings: this.settings, summaries: this.summaries, phase: this.phase, blockedReason: this.blockedReason, stopReason: stop };
  }

  private roundInput(): RoundInput {
    const s = this.state;
    return {
      shape: WORKFLOW_SHAPE,
      campaign: this.name,
      round: s.round,
      frontier: s.frontier,
      levelCount: s.levelCount,
      model: s.currentModel,
      baseModel: s.baseModel,
      attempt: s.attempt,
      configHash: s.configHash,
      settings: this.settings!,
      ...(this.resume ? { resume: this.resume } : {}),
      ...(s.currentServedModel ? { served: { [s.currentModel]: s.currentServedModel } } : {}),
    };
  }

  private async forward(signal: typeof pauseSignal | typeof unpauseSignal): Promise<void> {
    if (!this.runningRound) return;
    try {
      await getExternalWorkflowHandle(this.runningRound).signal(signal);
    } catch {
      // the round finished in the meantime
    }
  }
}
