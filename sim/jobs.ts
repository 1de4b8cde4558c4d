import type { SimConfig } from './config';
import type { ProblemIndex } from './problems';
import type { JobError, SimState, StoredJob, StoredModel } from './state';
import type { Abilities } from './students';
import { trainAbilities, type AnswerChecker } from './training';
import { validateTrainingFile } from './trainingFile';
import { validatePreferenceFile } from './preferenceFile';

/**
 * Fine-tuning jobs progress by wall clock: status is computed from the creation time and the phase
 * durations (validating_files -> queued -> running -> succeeded), so a job survives a restart of the sim.
 * When a job is first seen succeeded, its model is trained (sim/training.ts) and registered.
 */

export type JobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobView {
  status: JobStatus;
  /** When the job reached its terminal state (ms), if it has. */
  finishedAtMs: number | null;
  error: JobError | null;
}

const TERMINAL: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.includes(status);
}

/** The status a job has at `now`, from its timeline alone. */
export function jobStatusAt(job: StoredJob, now: number): JobView {
  const natural = naturalStatus(job, now);
  if (job.cancelledAtMs !== null && now >= job.cancelledAtMs) {
    const atCancel = naturalStatus(job, job.cancelledAtMs);
    if (!isTerminal(atCancel.status)) return { status: 'cancelled', finishedAtMs: job.cancelledAtMs, error: null };
  }
  return natural;
}

function naturalStatus(job: StoredJob, now: number): JobView {
  const t = now - job.createdAtMs;
  const validated = job.validatingMs;
  const started = validated + job.queuedMs;
  const ended = started + job.runningMs;
  if (t < validated) return { status: 'validating_files', finishedAtMs: null, error: null };
  if (job.validationError) return { status: 'failed', finishedAtMs: job.createdAtMs + validated, error: job.validationError };
  if (t < started) return { status: 'queued', finishedAtMs: null, error: null };
  if (job.failure) {
    const failAt = started + job.failure.atFraction * job.runningMs;
    if (t >= failAt) return { status: 'failed', finishedAtMs: job.createdAtMs + failAt, error: job.failure.error };
  }
  if (t < ended) return { status: 'running', finishedAtMs: null, error: null };
  return { status: 'succeeded', finishedAtMs: job.createdAtMs + ended, error: null };
}

/** Checks a job's files at creation; the verdict shows when validation ends. */
export function validateJobFiles(state: SimState, trainingFile: string, validationFile: string | null, cfg: SimConfig, preference = false): JobError | null {
  const validate = preference ? validatePreferenceFile : validateTrainingFile;
  for (const [param, id] of [
    ['training_file', trainingFile],
    ['validation_file', validationFile],
  ] as const) {
    if (!id) continue;
    const content = state.fileContent(id);
    if (!content) return { code: 'invalid_file', message: `The job failed due to an unreadable ${param} ${id}.`, param };
    const r = validate(content.toString('utf8'), param === 'training_file' ? cfg.training.minExamples : 1);
    if ('error' in r) return { ...r.error, param };
  }
  return null;
}

export function fineTunedName(root: string, suffix: string | null, jobId: string): string {
  return `ft:${root}:sim:${suffix ?? ''}:${jobId.slice(-8)}`;
}

export interface ModelCatalog {
  /** Abilities and lineage root of any servable model (base or fine-tuned). */
  lookup(id: string): (Abilities & { root: string }) | undefined;
}

/** Registers the model of every job that has succeeded by `now` and has none yet. Returns whether state changed. */
export function materialiseJobs(
  state: SimState,
  now: number,
  catalog: ModelCatalog,
  problems: ProblemIndex,
  cfg: SimConfig,
  isCorrect?: AnswerChecker,
): boolean {
  let changed = false;
  for (const job of state.jobs.values()) {
    if (job.fineTunedModel !== null) continue;
    const view = jobStatusAt(job, now);
    if (view.status !== 'succeeded') continue;
    const parent = catalog.lookup(job.model);
    const content = state.fileContent(job.training_file);
    if (!parent || !content) continue;
    const parsed = (job.method ? validatePreferenceFile : validateTrainingFile)(content.toString('utf8'), 1);
    const examples = 'examples' in parsed ? parsed.examples : [];
    const hp = job.hyperparameters;
    // DPO: pairs teach like correct examples, weighted; no wrong penalty; drift when the parent was not SFT-trained.
    const parentJob = state.models.get(job.model)?.job;
    const sftParent = parentJob !== undefined && state.jobs.get(parentJob) !== undefined && !state.jobs.get(parentJob)!.method;
    const learning = job.method ? { evidenceWeight: cfg.training.preferenceWeight, penaliseWrong: false, drift: sftParent ? 0 : cfg.training.dpoDrift } : undefined;
    const report = trainAbilities(parent, examples, problems, cfg, { learningRateMultiplier: hp.learning_rate_multiplier, nEpochs: hp.n_epochs }, isCorrect, learning);
    const id = job.outputModel ?? fineTunedName(parent.root, job.suffix, job.id);
    const model: StoredModel = {
      id,
      created: Math.floor((view.finishedAtMs ?? now) / 1000),
      root: parent.root,
      parent: job.model,
      job: job.id,
      ...report.child,
    };
    state.models.set(id, model);
    job.fineTunedModel = id;
    const epochs = typeof hp.n_epochs === 'number' ? hp.n_epochs : 3;
    job.trainedTokens = Math.ceil(content.length / 4) * epochs;
    changed = true;
  }
  return changed;
}

/** The job as OpenAI's FineTuningJob object at `now`. */
export function jobObject(job: StoredJob, now: number): Record<string, unknown> {
  const view = jobStatusAt(job, now);
  const running = view.status === 'running' || view.status === 'queued' || view.status === 'validating_files';
  return {
    object: 'fine_tuning.job',
    id: job.id,
    model: job.model,
    created_at: Math.floor(job.createdAtMs / 1000),
    finished_at: view.finishedAtMs !== null ? Math.floor(view.finishedAtMs / 1000) : null,
    fine_tuned_model: view.status === 'succeeded' ? job.fineTunedModel : null,
    organization_id: 'org-sim',
    result_files: [],
    status: view.status,
    validation_file: job.validation_file,
    training_file: job.training_file,
    hyperparameters: job.hyperparameters,
    trained_tokens: view.status === 'succeeded' ? job.trainedTokens : null,
    error: view.error,
    user_provided_suffix: job.suffix,
    seed: job.seed,
    estimated_finish: running ? Math.ceil((job.createdAtMs + job.validatingMs + job.queuedMs + job.runningMs) / 1000) : null,
    integrations: null,
    metadata: job.metadata,
    method: job.method ? { type: 'dpo', dpo: { hyperparameters: { ...job.hyperparameters, beta: job.method.beta } } } : { type: 'supervised', supervised: { hyperparameters: job.hyperparameters } },
  };
}

interface EventSpec {
  atMs: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  type: 'message' | 'metrics';
  data?: Record<string, unknown>;
}

/** The job's events that have happened by `now`, newest first (as OpenAI lists them). */
export function jobEvents(job: StoredJob, now: number): Record<string, unknown>[] {
  const view = jobStatusAt(job, now);
  const c = job.createdAtMs;
  const started = c + job.validatingMs + job.queuedMs;
  const specs: EventSpec[] = [
    { atMs: c, level: 'info', message: `Created fine-tuning job: ${job.id}`, type: 'message' },
    { atMs: c, level: 'info', message: `Validating training file: ${job.training_file}`, type: 'message' },
  ];
  if (job.validationError) {
    specs.push({ atMs: c + job.validatingMs, level: 'error', message: `Training file validation failed: ${job.validationError.message}`, type: 'message' });
  } else {
    specs.push({ atMs: c + job.validatingMs, level: 'info', message: 'Files validated, moving job to queued state', type: 'message' });
    specs.push({ atMs: started, level: 'info', message: 'Fine-tuning job started', type: 'message' });
    const totalSteps = 4;
    for (let k = 1; k < totalSteps; k++)
      specs.push({
        atMs: started + (k / totalSteps) * job.runningMs,
        level: 'info',
        message: `Step ${k}/${totalSteps}: training loss=${(1.2 / (1 + k)).toFixed(4)}`,
        type: 'metrics',
        data: { step: k, total_steps: totalSteps, train_loss: Number((1.2 / (1 + k)).toFixed(4)) },
      });
    if (view.status === 'failed' && job.failure) specs.push({ atMs: view.finishedAtMs!, level: 'error', message: `Fine-tuning job failed: ${job.failure.error.message}`, type: 'message' });
    if (view.status === 'succeeded') {
      specs.push({ atMs: view.finishedAtMs!, level: 'info', message: `New fine-tuned model created: ${job.fineTunedModel ?? ''}`, type: 'message' });
      specs.push({ atMs: view.finishedAtMs!, level: 'info', message: 'The job has successfully completed', type: 'message' });
    }
  }
  if (view.status === 'cancelled') specs.push({ atMs: job.cancelledAtMs!, level: 'info', message: 'Fine-tuning job cancelled', type: 'message' });
  const until = view.finishedAtMs ?? now;
  return specs
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.atMs <= now && (s.atMs <= until || s.message === 'Fine-tuning job cancelled'))
    .sort((a, b) => b.s.atMs - a.s.atMs || b.i - a.i)
    .map(({ s, i }) => ({
      object: 'fine_tuning.job.event',
      id: `ftevent-${job.id.slice(6)}-${i}`,
      created_at: Math.floor(s.atMs / 1000),
      level: s.level,
      message: s.message,
      type: s.type,
      data: s.data ?? {},
    }));
}
