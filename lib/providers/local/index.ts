import type { CreateJobRequest, Deployment, EnsureDeploymentRequest, FineTuneEvent, FineTuneJob, FineTuneProvider, ServingProvider } from '../types';
import type { StoredSource } from '../../store/types';
import type { LocalProviderConfig } from './config';
import { LocalLoraAdapters } from './loraAdapters';
import { SlurmTrainingJobs } from './slurm/slurmJobs';
import { checkTrainCommand, localJobStore, LocalTrainingJobs } from './trainingJobs';

export * from './command';
export * from './config';
export * from './jobStore';
export * from './loraAdapters';
export * from './python';
export * from './scheduler';
export * from './server';
export * from './slurm/cli';
export * from './slurm/slurmJobs';
export * from './slurm/states';
export * from './trainingJobs';

/**
 * Self-hosted: any OpenAI-compatible server (vLLM, SGLang, llama.cpp, ours) plus a training command run as a
 * durable job. Fine-tuning needs the `train:` block; serving loads each trained checkpoint into the server as
 * a LoRA adapter (or serves models as they are when `serve.loadPath` is false), so a provider without
 * `train:` can still serve.
 */
export class LocalProvider implements FineTuneProvider, ServingProvider {
  readonly kind = 'local';
  private readonly trainingJobs: LocalTrainingJobs | SlurmTrainingJobs | undefined;
  private readonly adapters: LocalLoraAdapters;

  constructor(private readonly cfg: LocalProviderConfig) {
    const jobs = localJobStore(cfg);
    this.trainingJobs = cfg.train && jobs ? (cfg.train.scheduler === 'slurm' ? new SlurmTrainingJobs(cfg, cfg.train, jobs) : new LocalTrainingJobs(cfg, cfg.train, jobs)) : undefined;
    this.adapters = new LocalLoraAdapters(cfg, jobs);
  }

  /** Checked at each use, not at construction: serving works whatever the training command says. */
  private get training(): LocalTrainingJobs | SlurmTrainingJobs {
    checkTrainCommand(this.cfg.train);
    return this.trainingJobs!; // defined whenever there is a `train:` block
  }

  /** The name is not needed: the command reads the file at a local path (see localTrainingFile). */
  async uploadDataset(source: StoredSource, _opts?: { name: string }): Promise<{ fileId: string }> {
    return this.training.trainingFile(source);
  }

  async createJob(req: CreateJobRequest): Promise<FineTuneJob> {
    return this.training.create(req);
  }

  async findJobsByKey(key: string): Promise<FineTuneJob[]> {
    return this.training.listByKey(key);
  }

  async getJob(id: string): Promise<FineTuneJob> {
    return this.training.retrieve(id);
  }

  async listEvents(id: string): Promise<FineTuneEvent[]> {
    return this.training.listEvents(id);
  }

  async cancelJob(id: string): Promise<FineTuneJob> {
    return this.training.cancel(id);
  }

  needsDeployment(model: string): boolean {
    return this.adapters.needsLoad(model);
  }

  ensureDeployment(req: EnsureDeploymentRequest): Promise<Deployment> {
    return this.adapters.load(req);
  }

  getDeployment(id: string): Promise<Deployment> {
    return this.adapters.retrieve(id);
  }

  deleteDeployment(id: string): Promise<void> {
    return this.adapters.unload(id);
  }
}
