import { ActivityFailure, ApplicationFailure, condition, upsertSearchAttributes, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { taskQueueFor, type WorkKind } from '../lib/campaign/taskQueues';
import type { RoundContext, RoundInput, RoundResult, RoundResume, RoundSummary } from '../lib/campaign/types';
import { showRound } from './memo';
import type { RoundStatus } from './messages';
import { PhaseKey, RoundKey } from './searchAttributes';

/** Errors that retrying cannot fix: bad input, a provider that refuses (401/404), a dataset too small. */
export const NON_RETRYABLE = ['UserError', 'ProviderRequestError', 'DatasetTooSmallError', 'FineTuneJobFailed', 'LedgerFormatError', 'ManifestIncomplete'];

/**
 * Every step retries a bounded number of times (about 10 minutes of backoff), then the round is `blocked` with
 * the last error. Every activity heartbeats (those without progress of their own through
 * `activities/heartbeat.ts`), so a killed worker's step is retried within the heartbeat timeout.
 */
export const MAX_ATTEMPTS = 10;
export const baseOptions: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: MAX_ATTEMPTS, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * The state of one round workflow: its phase and progress (the `roundStatus` query), the notes the Web UI
 * shows, how far it got (`resume`, kept across a block) and the fine-tune attempt. Steps (round.ts) move it
 * on through `enter`, `note` and `progress`.
 */
export class Round {
  readonly status: RoundStatus;
  private readonly notes: string[] = [];
  resume?: RoundResume;
  attempt: number;

  constructor(readonly input: RoundInput) {
    this.status = { round: input.round, phase: 'starting', paused: false };
    this.resume = input.resume;
    this.attempt = input.attempt;
    upsertSearchAttributes([{ key: RoundKey, value: input.round }]);
  }

  /** What activities get: which round, which model, which stored config (never the config itself). */
  get ctx(): RoundContext {
    const { campaign, round, frontier, levelCount, model, baseModel, configHash, served } = this.input;
    return { campaign, round, frontier, levelCount, model, baseModel, attempt: this.attempt, configHash, ...(served ? { served } : {}) };
  }

  /**
   * Options of a step with its Web UI summary: every step heartbeats within the campaign's timeout. A step of a
   * kind with a task queue of its own (settings.taskQueues) goes there; otherwise to the round's queue.
   */
  step(summary: string, kind?: WorkKind): ActivityOptions {
    return { ...baseOptions, heartbeatTimeout: `${this.input.settings.heartbeatTimeoutSeconds} seconds`, summary, ...this.queue(kind) };
  }

  /** `{ taskQueue }` for a kind of work on a queue of its own, else nothing (the option stays unset, as before). */
  queue(kind: WorkKind | undefined): { taskQueue?: string } {
    const taskQueue = kind && taskQueueFor(this.input.settings.taskQueues, kind, workflowInfo().taskQueue);
    return taskQueue ? { taskQueue } : {};
  }

  pause(): void {
    this.status.paused = true;
  }

  unpause(): void {
    this.status.paused = false;
  }

  /** Starts a phase at a boundary: a pause takes effect here. */
  async enter(phase: string, note?: string): Promise<void> {
    await condition(() => !this.status.paused);
    this.status.phase = phase;
    this.status.progress = undefined;
    if (note) this.notes.push(note);
    upsertSearchAttributes([{ key: PhaseKey, value: phase }]);
    showRound(this.input, phase, this.notes);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  progress(phase: string, done: number, total: number): void {
    this.status.progress = { phase, done, total };
  }

  done(summary: RoundSummary): void {
    this.status.phase = 'done';
    upsertSearchAttributes([{ key: PhaseKey, value: 'done' }]);
    showRound(this.input, 'done', [...this.notes, summary.note], summary);
  }

  /** A failure a person must look at ends the round `blocked` with its reason; anything else is rethrown. */
  blockedBy(err: unknown): RoundResult {
    const reason = blockingReason(err);
    if (reason === undefined) throw err;
    // A failed or cancelled job is done with: the retry creates a new one. Any other doubt (a timeout, a
    // provider that refused a poll) keeps the job, which may still be training.
    if (this.resume?.jobId && reason.startsWith('FineTuneJobFailed')) this.resume = { ...this.resume, jobId: undefined };
    this.status.phase = 'blocked';
    upsertSearchAttributes([{ key: PhaseKey, value: 'blocked' }]);
    showRound(this.input, 'blocked', [...this.notes, reason]);
    return { status: 'blocked', reason, resume: this.resume };
  }
}

/** The reason to show when a failure should block the campaign (a person must act), or undefined. */
function blockingReason(err: unknown): string | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.type && NON_RETRYABLE.includes(cause.type)) return `${cause.type}: ${cause.message}`;
  if (cause instanceof ApplicationFailure && cause.nonRetryable) return cause.message;
  // Timeouts (e.g. a fine-tune that exceeded timeoutHours) also need a person.
  if (cause && cause.name === 'TimeoutFailure') return `timed out: ${err.activityType}`;
  // A step that kept failing until its retry policy ran out: the last error, for a person to read.
  if (err.retryState === 'MAXIMUM_ATTEMPTS_REACHED' || err.retryState === 'TIMEOUT') {
    const what = cause instanceof ApplicationFailure && cause.type ? `${cause.type}: ${cause.message}` : (cause?.message ?? err.message);
    return `${err.activityType} failed ${err.retryState === 'TIMEOUT' ? 'until its retry deadline' : `${MAX_ATTEMPTS} times`}; last error: ${what}`;
  }
  return undefined;
}
