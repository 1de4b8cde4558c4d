import { proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { RoundInput, RoundResult } from '../lib/campaign/types';
import { pauseSignal, roundStatusQuery, unpauseSignal } from './messages';
import { baseOptions, NON_RETRYABLE, Round } from './roundState';
import { assertCurrentShape } from './shape';

const acts = proxyActivities<typeof activities>(baseOptions);
/** Retry-as-polling: a fixed interval and no attempt cap (Infinity drops the inherited one); scheduleToClose bounds it. */
const POLLING = { backoffCoefficient: 1, maximumAttempts: Number.POSITIVE_INFINITY };

export function roundWorkflowId(campaign: string, round: number): string {
  return `campaign/${campaign}/round/${round}`;
}

/** For the Web UI: the round workflow's fixed summary. */
export function roundStaticSummary(input: RoundInput): string {
  return `round ${input.round} of ${input.campaign}: frontier level ${input.frontier}, student ${input.model}`;
}

/**
 * One bootstrap round, the proposal's steps top to bottom: candidates at the frontier -> pass-rate estimation
 * -> the barely-solvable band -> traces -> verification -> dataset -> fine-tune -> register -> serve ->
 * evaluate -> promotion and advancement -> teardown of what the decision superseded. Every step is an activity
 * (one function each below); the round's state lives in `Round` (roundState.ts).
 */
export async function roundWorkflow(input: RoundInput): Promise<RoundResult> {
  assertCurrentShape(input, 'round');
  const round = new Round(input);
  setHandler(pauseSignal, () => round.pause());
  setHandler(unpauseSignal, () => round.unpause());
  setHandler(roundStatusQuery, () => round.status);
  try {
    await resumeFromManifest(round);
    if (!round.resume) {
      const stopped = await buildTrainingData(round);
      if (stopped) return await conclude(round, stopped.counts, undefined, stopped.why);
    }
    const trained = await fineTune(round);
    return await conclude(round, round.resume!, trained, 'trained');
  } catch (err) {
    return round.blockedBy(err);
  }
}

/**
 * The run store's round manifest says where a round that was terminated, cancelled or crashed stood (its
 * dataset, the job that may still train, the trained model): it goes on from there instead of paying again.
 */
async function resumeFromManifest(round: Round): Promise<void> {
  const point = await acts.readRoundManifest.executeWithOptions(round.step('read the round manifest'), [round.ctx]);
  round.attempt = point.attempt;
  const found = point.resume;
  const held = round.resume;
  if (!found || held?.trained) return;
  round.resume = found.trained ? { ...(held ?? found), jobId: found.jobId, trained: found.trained } : { ...(held ?? found), jobId: held?.jobId ?? found.jobId };
  const where = round.resume.trained ? `: trained ${round.resume.trained.model}` : round.resume.jobId ? `: job ${round.resume.jobId}` : ': dataset built';
  round.note(`resumed from the round manifest${where}`);
}

type Counts = { candidates: number; inBand: number; tracesKept: number; datasetExamples: number };
type Stopped = { why: 'band-empty' | 'no-dataset'; counts: Counts };

/**
 * Candidates -> estimation -> band -> traces -> verification -> dataset (then `round.resume` holds it), or why
 * the round trains nothing (it still evaluates and decides).
 */
async function buildTrainingData(round: Round): Promise<Stopped | undefined> {
  const { settings } = round.input;
  await round.enter('candidates');
  const prep = await acts.prepareRound.executeWithOptions(round.step(`pick candidates at levels ${round.input.frontier}+`), [round.ctx]);
  const counts: Counts = { candidates: prep.candidates, inBand: 0, tracesKept: 0, datasetExamples: 0 };
  if (prep.allocation) round.note(prep.allocation);

  await checkBudget(round, 'estimate', prep.candidates * settings.estimationK);
  await round.enter('estimate', `${prep.candidates} candidates in ${prep.shards} shard(s)`);
  await sharded(round, prep.shards, 'estimate', (shard) =>
    acts.estimateShard.executeWithOptions(round.step(`estimate pass rates, shard ${shard + 1}/${prep.shards}`, 'sampling'), [{ ctx: round.ctx, shard }]),
  );

  await round.enter('select');
  const band = await acts.selectBand.executeWithOptions(round.step('select the barely-solvable band'), [{ ctx: round.ctx, shards: prep.shards }]);
  round.note(`${band.inBand} in band of ${band.candidates}; ${band.selected} selected`);
  counts.inBand = band.inBand;
  if (band.selected === 0) return { why: 'band-empty', counts };

  await checkBudget(round, 'trace', band.selected * settings.tracesPerProblem);
  await round.enter('traces');
  const traces = await sharded(round, band.shards, 'traces', (shard) =>
    acts.generateTracesShard.executeWithOptions(round.step(`generate traces, shard ${shard + 1}/${band.shards}`, 'sampling'), [{ ctx: round.ctx, shard }]),
  );

  await round.enter('verify', `${traces.reduce((s, t) => s + t.generated, 0)} traces generated`);
  const verified = await acts.verifyTraces.executeWithOptions(round.step('verify traces against ground truth', 'sampling'), [{ ctx: round.ctx, shards: band.shards }]);

  await round.enter('dataset', `${verified.correct} correct traces`);
  const dataset = await acts.buildDataset.executeWithOptions(round.step('build the fine-tuning dataset'), [{ ctx: round.ctx }]);
  counts.tracesKept = dataset.kept;
  if (dataset.examples === undefined) {
    round.note(dataset.note);
    return { why: 'no-dataset', counts };
  }
  round.resume = { ...counts, datasetExamples: dataset.examples };
  return undefined;
}

/** Shards in parallel, at most `parallelShards` at once, with progress for the status query. */
async function sharded<T>(round: Round, count: number, label: string, run: (shard: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  let done = 0;
  round.progress(label, 0, count);
  const lane = async () => {
    while (next < count) {
      const shard = next++;
      results[shard] = await run(shard);
      round.progress(label, ++done, count);
    }
  };
  await Promise.all(Array.from({ length: Math.min(count, round.input.settings.parallelShards) }, lane));
  return results;
}

/** A budget is checked before the phase would spend it (blocked, reason "budget", when over). */
async function checkBudget(round: Round, purpose: 'estimate' | 'trace' | 'fine-tune', plannedSamples: number): Promise<void> {
  if (!round.input.settings.budget) return;
  await acts.checkBudget.executeWithOptions(round.step('check the budget'), [{ ctx: round.ctx, purpose, plannedSamples }]);
}

/** Exactly one job per attempt, then retry-as-polling until it trained (a week-long job adds no history per poll). */
async function fineTune(round: Round): Promise<{ model: string; jobId: string }> {
  const resume = round.resume!;
  if (resume.trained) return resume.trained;
  const { settings } = round.input;
  await round.enter('fine-tune', `dataset: ${resume.datasetExamples} examples`);
  if (!resume.jobId) await checkBudget(round, 'fine-tune', 0);
  const jobId = resume.jobId ?? (await acts.startFineTune.executeWithOptions(round.step(`create the fine-tune job (attempt ${round.attempt})`, 'training'), [{ ctx: round.ctx }])).jobId;
  round.resume = { ...resume, jobId };
  const poll = `${settings.fineTunePollSeconds} seconds` as const;
  const trained = await acts.waitForFineTune.executeWithOptions(
    {
      startToCloseTimeout: '2 minutes',
      heartbeatTimeout: '1 minute',
      scheduleToCloseTimeout: `${settings.fineTuneTimeoutHours} hours`,
      // Deep-merged with baseOptions: a poll must not inherit its attempt cap nor its 2-minute interval cap.
      retry: { ...POLLING, initialInterval: poll, maximumInterval: poll, nonRetryableErrorTypes: NON_RETRYABLE },
      summary: `wait for fine-tune job ${jobId}`,
      ...round.queue('training'),
    },
    [{ ctx: round.ctx, jobId }],
  );
  // Kept across a later block: retrying registration or evaluation must not pay for a second job.
  round.resume = { ...round.resume, trained };
  round.note(`job ${jobId} -> ${trained.model}`);
  return trained;
}

/** Register -> serve -> evaluate -> decide -> teardown; the round's result for the campaign. */
async function conclude(round: Round, counts: Counts, trained: { model: string; jobId: string } | undefined, how: 'trained' | Stopped['why']): Promise<RoundResult> {
  const { input } = round;
  let served: { servedModel: string; deploymentId?: string } | undefined;
  if (trained) {
    await round.enter('register');
    await acts.registerCandidate.executeWithOptions(round.step(`register ${trained.model}`), [{ ctx: round.ctx, model: trained.model, jobId: trained.jobId }]);
    served = round.resume?.served ?? (await serve(round, trained.model));
    round.resume = { ...round.resume!, served };
  }
  await round.enter('evaluate');
  const evalCtx = trained && served && served.servedModel !== trained.model ? { ...round.ctx, served: { ...input.served, [trained.model]: served.servedModel } } : round.ctx;
  await acts.evaluateModels.executeWithOptions(round.step(`evaluate ${trained?.model ?? input.model} on held-out problems`, 'sampling'), [{ ctx: evalCtx, candidate: trained?.model }]);

  await round.enter('decide');
  const { candidates, inBand, tracesKept, datasetExamples } = counts;
  const decision = await acts.concludeRound.executeWithOptions(round.step('promotion and advancement'), [
    { ctx: round.ctx, candidate: trained?.model, counts: { candidates, inBand, tracesKept, datasetExamples }, outcome: how },
  ]);

  let currentServedModel = input.served?.[decision.currentModel];
  if (trained) {
    const promoted = decision.currentModel === trained.model;
    if (promoted) currentServedModel = served?.deploymentId ? served.servedModel : undefined;
    // A rejected candidate's deployment, or the parent's once its child was promoted, serves nothing any more.
    const superseded = promoted ? (input.served?.[input.model] ? input.model : undefined) : served?.deploymentId ? trained.model : undefined;
    if (superseded && !input.settings.keepDeployments) await tearDown(round, superseded);
  }
  round.done(decision.summary);
  return currentServedModel ? { ...decision, currentServedModel } : decision;
}

/** The serve phase: a deployment where the provider needs one, polled until it serves (retry-as-polling). */
async function serve(round: Round, model: string): Promise<{ servedModel: string; deploymentId?: string }> {
  const { settings } = round.input;
  await round.enter('serve');
  const started = await acts.startServing.executeWithOptions(round.step(`serve ${model}`, 'serving'), [{ ctx: round.ctx, model }]);
  if (started.ready || !started.deploymentId) {
    round.note(started.deploymentId ? `serving ${model} on deployment ${started.deploymentId}` : `${model} serves without a deployment`);
    return { servedModel: started.servedModel, ...(started.deploymentId ? { deploymentId: started.deploymentId } : {}) };
  }
  const poll = `${settings.servingPollSeconds} seconds` as const;
  const ready = await acts.waitForServing.executeWithOptions(
    {
      startToCloseTimeout: '2 minutes',
      heartbeatTimeout: '1 minute',
      scheduleToCloseTimeout: `${settings.servingTimeoutMinutes} minutes`,
      retry: { ...POLLING, initialInterval: poll, maximumInterval: poll, nonRetryableErrorTypes: [...NON_RETRYABLE, 'DeploymentFailed'] },
      summary: `wait for deployment ${started.deploymentId} of ${model} to be ready`,
      ...round.queue('serving'),
    },
    [{ ctx: round.ctx, model, deploymentId: started.deploymentId }],
  );
  round.note(`serving ${model} on deployment ${ready.deploymentId} as ${ready.servedModel}`);
  return { servedModel: ready.servedModel, ...(ready.deploymentId ? { deploymentId: ready.deploymentId } : {}) };
}

async function tearDown(round: Round, model: string): Promise<void> {
  await round.enter('teardown');
  await acts.tearDownDeployments.executeWithOptions(round.step(`tear down the deployment of ${model}`, 'serving'), [
    { campaign: round.input.campaign, configHash: round.input.configHash, models: [model] },
  ]);
}
