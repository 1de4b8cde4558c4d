import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import type { RoundInput, RoundResult, RoundResume } from '../lib/campaign/types';
import type { Ref } from '../lib/store/types';
import { showRound } from './details';
import { pauseSignal, roundStatusQuery, unpauseSignal, type RoundStatus } from './messages';
import { PhaseKey, RoundKey } from './searchAttributes';

/** Errors that retrying cannot fix: bad input, a provider that refuses (401/404), a dataset too small. */
const NON_RETRYABLE = ['UserError', 'ProviderRequestError', 'DatasetTooSmallError', 'FineTuneJobFailed', 'LedgerFormatError'];

/**
 * Every step retries a bounded number of times (about 10 minutes of backoff), then the round is `blocked` with
 * the last error. A heartbeat timeout is added per round below: every activity heartbeats (those without
 * progress of their own through `activities/heartbeat.ts`), so a killed worker's step is retried within it.
 */
const MAX_ATTEMPTS = 10;
const baseOptions: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: MAX_ATTEMPTS, nonRetryableErrorTypes: NON_RETRYABLE },
};
const acts = proxyActivities<typeof activities>(baseOptions);
/** Retry-as-polling: a fixed interval and no attempt cap (Infinity drops the inherited one); scheduleToClose bounds it. */
const POLLING = { backoffCoefficient: 1, maximumAttempts: Number.POSITIVE_INFINITY };

export function roundWorkflowId(campaign: string, round: number): string {
  return `campaign/${campaign}/round/${round}`;
}

/**
 * One bootstrap round, the proposal's steps top to bottom: candidates at the frontier -> pass-rate
 * estimation -> the barely-solvable band -> traces -> verification -> dataset -> fine-tune -> register ->
 * serve -> evaluate -> promotion and advancement -> teardown of what the decision superseded. Every step is
 * an activity; this function only orders them.
 */
export async function roundWorkflow(input: RoundInput): Promise<RoundResult> {
  const { config } = input;
  // Every step heartbeats (shards after every problem): one whose worker died is retried after this timeout
  // (configs recorded before the field existed have none: keep the old 2 minutes).
  const heartbeatTimeout = `${config.sharding.heartbeatTimeoutSeconds ?? 120} seconds` as const;
  const shardOptions: ActivityOptions = { ...baseOptions, heartbeatTimeout };
  const stepOptions: ActivityOptions = shardOptions;
  const status: RoundStatus = { round: input.round, phase: 'starting', paused: false };
  setHandler(pauseSignal, () => void (status.paused = true));
  setHandler(unpauseSignal, () => void (status.paused = false));
  setHandler(roundStatusQuery, () => status);

  const notes: string[] = [];
  const phase = async (name: string, note?: string): Promise<void> => {
    await condition(() => !status.paused);
    status.phase = name;
    status.progress = undefined;
    if (note) notes.push(note);
    upsertSearchAttributes([{ key: PhaseKey, value: name }]);
    showRound(input, name, notes);
  };
  upsertSearchAttributes([{ key: RoundKey, value: input.round }]);

  /** Shards in parallel, at most `parallelShards` at once. */
  const sharded = async <T>(count: number, label: string, run: (shard: number) => Promise<T>): Promise<T[]> => {
    const results: T[] = new Array(count);
    let next = 0;
    let done = 0;
    status.progress = { phase: label, done: 0, total: count };
    const lane = async () => {
      while (next < count) {
        const shard = next++;
        results[shard] = await run(shard);
        status.progress = { phase: label, done: ++done, total: count };
      }
    };
    await Promise.all(Array.from({ length: Math.min(count, config.sharding.parallelShards) }, lane));
    return results;
  };

  let resume: RoundResume | undefined = input.resume;
  let attempt = input.attempt;
  try {
    // Added after histories were recorded: the run store's round manifest says where a round that was
    // terminated, cancelled or crashed stood (its dataset, the job that may still train, the trained model).
    if (patched('round-manifest')) {
      const point = await acts.readRoundManifest.executeWithOptions({ ...stepOptions, summary: 'read the round manifest' }, [
        { campaign: input.campaign, round: input.round, model: input.model, frontier: input.frontier, attempt: input.attempt },
      ]);
      attempt = point.attempt;
      const found = point.resume;
      if (found && !resume?.trained) {
        resume = found.trained
          ? { ...(resume ?? found), jobId: found.jobId, trained: found.trained }
          : { ...(resume ?? found), jobId: resume?.jobId ?? found.jobId };
        notes.push(`resumed from the round manifest${resume.trained ? `: trained ${resume.trained.model}` : resume.jobId ? `: job ${resume.jobId}` : ': dataset built'}`);
      }
    }
    if (!resume) {
      await phase('candidates');
      const prep = await acts.prepareRound.executeWithOptions({ ...stepOptions, summary: `pick candidates at levels ${input.frontier}+` }, [input]);

      // A budget is checked before the phase would spend it (added after histories were recorded).
      if (config.budget && patched('budget-check')) {
        await acts.checkBudget.executeWithOptions({ ...baseOptions, summary: 'check the budget' }, [{ ctx: input, purpose: 'estimate', plannedSamples: prep.candidates * config.estimation.k }]);
      }
      await phase('estimate', `${prep.candidates} candidates in ${prep.shards} shard(s)`);
      // Added after histories were recorded: the round's samples are seeded from traces.seed and the round,
      // so a round after a rejected one (same model) draws new samples instead of repeating the last round.
      const sampling: RoundInput = patched('round-sampling-seed') ? { ...input, seedPerRound: true } : input;
      const estimates = await sharded(prep.shards, 'estimate', (shard) =>
        acts.estimateShard.executeWithOptions({ ...shardOptions, summary: `estimate pass rates, shard ${shard + 1}/${prep.shards}` }, [{ ctx: sampling, candidates: prep.candidatesRef, shard }]),
      );

      await phase('select');
      const band = await acts.selectBand.executeWithOptions({ ...stepOptions, summary: 'select the barely-solvable band' }, [{ ctx: input, estimates: estimates.map((e) => e.ref) }]);
      notes.push(`${band.inBand} in band of ${band.candidates}; ${band.selected} selected`);
      if (band.selected === 0) {
        return await conclude({ candidates: prep.candidates, inBand: band.inBand, tracesKept: 0 }, undefined, 'band-empty');
      }

      if (config.budget && patched('budget-check')) {
        await acts.checkBudget.executeWithOptions({ ...baseOptions, summary: 'check the budget' }, [{ ctx: input, purpose: 'trace', plannedSamples: band.selected * config.traces.perProblem }]);
      }
      await phase('traces');
      const traces = await sharded(band.shards, 'traces', (shard) =>
        acts.generateTracesShard.executeWithOptions({ ...shardOptions, summary: `generate traces, shard ${shard + 1}/${band.shards}` }, [{ ctx: sampling, band: band.ref, shard }]),
      );

      await phase('verify', `${traces.reduce((s, t) => s + t.generated, 0)} traces generated`);
      const verified = await acts.verifyTraces.executeWithOptions({ ...stepOptions, summary: 'verify traces against ground truth' }, [{ ctx: input, traces: traces.map((t) => t.ref) }]);

      await phase('dataset', `${verified.correct} correct traces`);
      const dataset = await acts.buildDataset.executeWithOptions({ ...stepOptions, summary: 'build the fine-tuning dataset' }, [{ ctx: input, verified: verified.ref }]);
      if (!dataset.ref) {
        notes.push(dataset.note);
        return await conclude({ candidates: prep.candidates, inBand: band.inBand, tracesKept: dataset.kept }, undefined, 'no-dataset');
      }
      resume = { datasetRef: dataset.ref, candidates: prep.candidates, inBand: band.inBand, tracesKept: dataset.kept };
    }

    let trained = resume.trained;
    if (!trained) {
      await phase('fine-tune', `dataset: ${resume.datasetRef.count} examples`);
      // Added after histories were recorded: the training cost counts against the budget before a job starts.
      if (!resume.jobId && config.budget && patched('budget-fine-tune')) {
        await acts.checkBudget.executeWithOptions({ ...baseOptions, summary: 'check the budget' }, [{ ctx: input, purpose: 'fine-tune', plannedSamples: 0, dataset: resume.datasetRef }]);
      }
      const jobId =
        resume.jobId ??
        (await acts.startFineTune.executeWithOptions({ ...stepOptions, summary: `create the fine-tune job (attempt ${attempt})` }, [{ ctx: { ...input, attempt }, dataset: resume.datasetRef }]))
          .jobId;
      resume = { ...resume, jobId };
      // Retry-as-polling: each "still running" is a benign failure retried at a fixed interval, so a
      // week-long job adds no events to this history.
      trained = await acts.waitForFineTune.executeWithOptions(
        {
          startToCloseTimeout: '2 minutes',
          heartbeatTimeout: '1 minute',
          scheduleToCloseTimeout: `${config.fineTune.timeoutHours} hours`,
          // Options are deep-merged with baseOptions: a poll must not inherit its attempt cap (10 polls would
          // block a job of a few minutes) nor its 2-minute interval cap. scheduleToClose bounds it instead.
          retry: { ...POLLING, initialInterval: `${config.fineTune.pollIntervalSeconds} seconds`, maximumInterval: `${config.fineTune.pollIntervalSeconds} seconds`, nonRetryableErrorTypes: NON_RETRYABLE },
          summary: `wait for fine-tune job ${jobId}`,
        },
        [{ ctx: { ...input, attempt }, jobId }],
      );
      // Kept across a later block: retrying registration or evaluation must not pay for a second job.
      resume = { ...resume, trained };
      notes.push(`job ${jobId} -> ${trained.model}`);
    }
    return await conclude(resume, trained, 'trained');
  } catch (err) {
    const reason = blockingReason(err);
    if (reason === undefined) throw err;
    // A failed or cancelled job is done with: the retry creates a new one. Any other doubt (a timeout, a
    // provider that refused a poll) keeps the job, which may still be training.
    if (resume?.jobId && reason.startsWith('FineTuneJobFailed')) resume = { ...resume, jobId: undefined };
    status.phase = 'blocked';
    upsertSearchAttributes([{ key: PhaseKey, value: 'blocked' }]);
    showRound(input, 'blocked', [...notes, reason]);
    return { status: 'blocked', reason, resume };
  }

  async function conclude(
    counts: { candidates: number; inBand: number; tracesKept: number; datasetRef?: Ref },
    trained: { model: string; jobId: string } | undefined,
    how: 'trained' | 'band-empty' | 'no-dataset',
  ): Promise<RoundResult> {
    let evaluation;
    // Added after histories were recorded: the serve phase (deploy where the provider needs it) and the
    // teardown of what the decision superseded.
    const serving = trained !== undefined && patched('serve-phase');
    let served: { servedModel: string; deploymentId?: string } | undefined;
    if (trained) {
      await phase('register');
      await acts.registerCandidate.executeWithOptions({ ...stepOptions, summary: `register ${trained.model}` }, [{ ctx: input, model: trained.model, jobId: trained.jobId, dataset: counts.datasetRef! }]);
      let evalCtx = input;
      if (serving) {
        served = resume?.served ?? (await serve(trained.model));
        if (resume) resume = { ...resume, served };
        if (served.servedModel !== trained.model) evalCtx = { ...input, served: { ...input.served, [trained.model]: served.servedModel } };
      }
      await phase('evaluate');
      evaluation = await acts.evaluateModels.executeWithOptions({ ...shardOptions, summary: `evaluate ${trained.model} on held-out problems` }, [{ ctx: evalCtx, candidate: trained.model }]);
    } else {
      await phase('evaluate');
      evaluation = await acts.evaluateModels.executeWithOptions({ ...shardOptions, summary: `evaluate ${input.model} on held-out problems` }, [{ ctx: input }]);
    }
    await phase('decide');
    const decision = await acts.concludeRound.executeWithOptions({ ...stepOptions, summary: 'promotion and advancement' }, [
      {
        ctx: input,
        candidate: trained?.model,
        evaluation,
        counts: { candidates: counts.candidates, inBand: counts.inBand, tracesKept: counts.tracesKept, datasetExamples: counts.datasetRef?.count ?? 0 },
        outcome: how,
      },
    ]);
    let currentServedModel = input.served?.[decision.currentModel];
    if (serving && trained) {
      const promoted = decision.currentModel === trained.model;
      if (promoted) currentServedModel = served?.deploymentId ? served.servedModel : undefined;
      // A rejected candidate's deployment, or the parent's once its child was promoted, serves nothing any more.
      const superseded = promoted ? (input.served?.[input.model] ? input.model : undefined) : served?.deploymentId ? trained.model : undefined;
      if (superseded && !(config.serving?.keepDeployments ?? false)) {
        await phase('teardown');
        await acts.tearDownDeployments.executeWithOptions({ ...stepOptions, summary: `tear down the deployment of ${superseded}` }, [{ campaign: input.campaign, config, models: [superseded] }]);
      }
    }
    status.phase = 'done';
    // Added after histories were recorded: a finished round shows Phase = done in the Web UI.
    if (patched('round-phase-done')) upsertSearchAttributes([{ key: PhaseKey, value: 'done' }]);
    showRound(input, 'done', [...notes, decision.summary.note], decision.summary);
    return currentServedModel ? { ...decision, currentServedModel } : decision;
  }

  /** The serve phase: a deployment where the provider needs one, polled until it serves (retry-as-polling). */
  async function serve(model: string): Promise<{ servedModel: string; deploymentId?: string }> {
    await phase('serve');
    const started = await acts.startServing.executeWithOptions({ ...stepOptions, summary: `serve ${model}` }, [{ ctx: { ...input, attempt }, model }]);
    if (started.ready) {
      notes.push(started.deploymentId ? `serving ${model} on deployment ${started.deploymentId}` : `${model} serves without a deployment`);
      return { servedModel: started.servedModel, ...(started.deploymentId ? { deploymentId: started.deploymentId } : {}) };
    }
    const ready = await acts.waitForServing.executeWithOptions(
      {
        startToCloseTimeout: '2 minutes',
        heartbeatTimeout: '1 minute',
        scheduleToCloseTimeout: `${config.serving?.timeoutMinutes ?? 60} minutes`,
        retry: { ...POLLING, initialInterval: `${config.serving?.pollIntervalSeconds ?? 15} seconds`, maximumInterval: `${config.serving?.pollIntervalSeconds ?? 15} seconds`, nonRetryableErrorTypes: [...NON_RETRYABLE, 'DeploymentFailed'] },
        summary: `wait for deployment ${started.deploymentId} of ${model} to be ready`,
      },
      [{ ctx: { ...input, attempt }, served: started }],
    );
    notes.push(`serving ${model} on deployment ${ready.deploymentId} as ${ready.servedModel}`);
    return { servedModel: ready.servedModel, ...(ready.deploymentId ? { deploymentId: ready.deploymentId } : {}) };
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

/** For the Web UI: the round workflow's fixed summary. */
export function roundStaticSummary(input: RoundInput): string {
  return `round ${input.round} of ${input.campaign}: frontier level ${input.frontier}, student ${input.model}`;
}

