// The `local` provider's training jobs: our own resource, the training command run as a durable job (jobStore.ts).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../atomicFile';
import { UserError } from '../../errors';
import type { StoredSource } from '../../store/types';
import { ProviderRequestError } from '../errors';
import { keySlug } from '../businessKey';
import type { CreateJobRequest, FineTuneEvent, FineTuneJob } from '../types';
import { renderCommand, unknownPlaceholders } from './command';
import type { LocalProviderConfig, LocalTrainConfig } from './config';
import { LocalJobStore, type JobState } from './jobStore';
import { projectPython, pythonEnv } from './python';

/** Why a `local` provider without a `train:` block cannot fine-tune (it may still serve). */
export const NO_TRAIN_COMMAND = 'local provider: a `train:` block with the training `command` is needed to fine-tune';

/**
 * What fine-tuning needs of the `train:` block, checked before any job starts: that it exists and that its
 * command uses only known placeholders. Serving does not check it (a provider whose training command is wrong
 * can still load, list and unload what it trained before).
 */
export function checkTrainCommand(train: LocalTrainConfig | undefined): LocalTrainConfig {
  if (!train) throw new UserError(NO_TRAIN_COMMAND);
  const bad = unknownPlaceholders(train.command);
  if (bad.length) throw new UserError(`local provider: train.command uses unknown placeholder(s) ${bad.map((b) => `{${b}}`).join(', ')}`);
  return train;
}

/** The job id (and trained model name) of a business key: a slug that is a valid directory and model name. */
export function localJobId(key: string): string {
  return keySlug(key, 64);
}

/**
 * Where a model's checkpoint is: a succeeded job of the jobs directory (its output), a configured model,
 * or a path to a directory. Undefined for anything else (e.g. a hub name a training command resolves itself).
 */
export function resolveModelPath(cfg: LocalProviderConfig, jobs: LocalJobStore | undefined, model: string): string | undefined {
  if (!model) return undefined;
  const job = jobs?.read(model);
  if (job) return job.outputDir;
  const configured = cfg.models?.[model];
  if (configured) return path.resolve(configured);
  try {
    if (statSync(model).isDirectory()) return path.resolve(model);
  } catch {
    /* not a path */
  }
  return undefined;
}

export function localJobStore(cfg: LocalProviderConfig): LocalJobStore | undefined {
  return cfg.train ? new LocalJobStore(path.resolve(cfg.train.jobsDir)) : undefined;
}

/** The job id, argv, output directory and facts of a request: the same for a local job and a Slurm job. */
export function trainingJobSpec(cfg: LocalProviderConfig, train: LocalTrainConfig, jobs: LocalJobStore, req: CreateJobRequest) {
  const id = localJobId(req.key);
  const parentModel = req.parent?.model ?? req.baseModel;
  const parent = resolveModelPath(cfg, jobs, parentModel) ?? parentModel;
  const outputDir = path.join(jobs.dir(id), 'output');
  const hp = req.hyperparameters ?? {};
  const argv = renderCommand(train.command, {
    parent,
    baseModel: req.baseModel,
    trainingFile: req.trainingFileId,
    outputDir,
    seed: req.seed,
    nEpochs: hp.nEpochs,
    learningRate: hp.learningRate,
    learningRateMultiplier: hp.learningRateMultiplier,
    batchSize: hp.batchSize,
    jobId: id,
    python: projectPython(),
    method: req.method?.type ?? 'sft',
    beta: req.method?.type === 'dpo' ? req.method.beta : undefined,
  });
  const meta: Record<string, string> = { baseModel: req.baseModel, parent: parentModel, trainingFile: req.trainingFileId };
  if (req.seed !== undefined) meta.seed = String(req.seed);
  if (req.method?.type === 'dpo') meta.method = `dpo (beta ${req.method.beta})`;
  for (const [k, v] of Object.entries(req.metadata ?? {})) meta[`metadata.${k}`] = v;
  return { id, argv, outputDir, meta };
}

/**
 * The `local` provider's fine-tuning jobs: the training command run as a durable job on this machine
 * (jobStore.ts; scheduler.ts renders the same job for Slurm or Kubernetes). The job id and the trained
 * model's name are the business key's slug, so a retried or resumed activity finds the job by key and
 * adopts it, whether it is still running or long finished.
 */
export class LocalTrainingJobs {
  constructor(
    private readonly cfg: LocalProviderConfig,
    private readonly train: LocalTrainConfig,
    private readonly jobs: LocalJobStore,
  ) {}

  /** The training file's absolute path is what the command's `{trainingFile}` gets (see localTrainingFile). */
  async trainingFile(source: StoredSource): Promise<{ fileId: string }> {
    return localTrainingFile(source, this.jobs);
  }

  async create(req: CreateJobRequest): Promise<FineTuneJob> {
    const { cfg, train, jobs } = this;
    const { id, argv, outputDir, meta } = trainingJobSpec(cfg, train, jobs, req);
    await jobs.start(id, req.key, argv, { cwd: path.resolve(train.cwd ?? '.'), env: { ...pythonEnv(), ...train.env }, outputDir, meta });
    // Started now, or by a concurrent creator a moment ago: either way this key's one job.
    return this.retrieve(id);
  }

  async listByKey(key: string): Promise<FineTuneJob[]> {
    const s = this.jobs.state(localJobId(key));
    return s && s.record.key === key ? [this.toJob(s)] : [];
  }

  async retrieve(id: string): Promise<FineTuneJob> {
    return this.get(id);
  }

  async listEvents(id: string): Promise<FineTuneEvent[]> {
    const rec = this.jobs.read(id);
    if (!rec) throw new ProviderRequestError(`local: no fine-tune job ${id} in ${this.jobs.root}`, 404, 'job not found');
    return this.jobs
      .logTail(id, 20_000)
      .split('\n')
      .filter((l) => l.trim())
      .slice(-100)
      .map((message) => ({ at: rec.startedAt ?? rec.createdAt, message }));
  }

  async cancel(id: string): Promise<FineTuneJob> {
    this.get(id);
    await this.jobs.cancel(id);
    return this.get(id);
  }

  private get(id: string): FineTuneJob {
    const s = this.jobs.state(id);
    if (!s) throw new ProviderRequestError(`local: no fine-tune job ${id} in ${this.jobs.root}`, 404, 'job not found');
    return this.toJob(s);
  }

  private toJob(s: JobState): FineTuneJob {
    const base = { id: s.record.id, createdAt: s.record.createdAt, raw: { ...s.record, state: s.state } };
    switch (s.state) {
      case 'starting':
        return { ...base, status: 'pending', providerStatus: 'starting' };
      case 'running':
        return { ...base, status: 'running', providerStatus: 'running' };
      case 'succeeded':
        return { ...base, status: 'succeeded', providerStatus: 'exited 0', fineTunedModel: s.record.id };
      case 'failed':
        return { ...base, status: 'failed', providerStatus: `exited ${s.exitCode}`, error: `the training command exited with code ${s.exitCode}; log tail:\n${this.jobs.logTail(s.record.id, 1500)}` };
      case 'cancelled':
        return { ...base, status: 'cancelled', providerStatus: 'cancelled' };
      case 'vanished':
        return { ...base, status: 'failed', providerStatus: 'vanished', error: s.reason };
    }
  }
}

/**
 * A training file the command can open: a file of a directory run store stays where it is; one in an object
 * store is copied once into the job store (`<jobs>/inputs/<sha256>.jsonl`, content-addressed, so a retry or a
 * second job reuses it), since a training command reads a local path.
 */
export async function localTrainingFile(source: StoredSource, jobs: LocalJobStore): Promise<{ fileId: string }> {
  if (source.localPath) {
    const file = path.resolve(source.localPath);
    if (!existsSync(file)) throw new ProviderRequestError(`local: training file ${file} does not exist`, 404, 'file not found');
    return { fileId: file };
  }
  const file = path.join(path.resolve(jobs.root), 'inputs', `${source.sha256}.jsonl`);
  if (!existsSync(file) || statSync(file).size !== source.bytes) {
    const written = await writeFileAtomic(file, source.open());
    if (written.sha256 !== source.sha256) throw new ProviderRequestError(`local: ${source.uri} read back with sha256 ${written.sha256}, expected ${source.sha256}`, 409, 'training file changed');
  }
  return { fileId: file };
}
