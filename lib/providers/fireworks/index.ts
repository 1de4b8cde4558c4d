import { UserError } from '../../errors';
import type { CreateJobRequest, Deployment, EnsureDeploymentRequest, FineTuneEvent, FineTuneJob, FineTuneProvider, ProviderClientConfig, ServingProvider } from '../types';
import { createProviderHttp } from '../http';
import { FireworksDatasets } from './datasets';
import { FireworksDeployments } from './deployments';
import { DPO_JOB_PREFIX, FireworksDpoJobs, isDpoKey } from './dpoJobs';
import { FireworksSupervisedFineTuningJobs } from './supervisedFineTuningJobs';
import type { StoredSource } from '../../store/types';

export { fireworksDatasetIdFor } from './datasets';
export { fireworksDeploymentIdForKey } from './deployments';
export { fireworksJobIdForKey } from './supervisedFineTuningJobs';

/**
 * Fireworks (https://docs.fireworks.ai/api-reference): datasets, supervised fine-tuning jobs and on-demand
 * deployments, all under `/v1/accounts/<account>/`. A trained LoRA model always needs a deployment before it
 * serves. `baseURL` is the API host (`https://api.fireworks.ai`); a trailing `/v1` is tolerated.
 */
export class FireworksProvider implements FineTuneProvider, ServingProvider {
  readonly kind = 'fireworks';
  private readonly datasets: FireworksDatasets;
  private readonly jobs: FireworksSupervisedFineTuningJobs;
  private readonly deployments: FireworksDeployments;
  private readonly dpoJobs: FireworksDpoJobs;

  constructor(cfg: ProviderClientConfig) {
    if (!cfg.accountId) throw new UserError('fireworks: accountId is required (the account the datasets, jobs and deployments belong to)');
    const account = cfg.accountId;
    const timeoutMs = cfg.timeoutMs ?? 60_000;
    const baseURL = cfg.baseURL.replace(/\/+$/, '').replace(/\/v1$/, '');
    const http = createProviderHttp({ name: 'fireworks', baseURL, apiKeyEnv: cfg.apiKeyEnv ?? '', timeoutMs });
    this.datasets = new FireworksDatasets(http, {
      account,
      timeoutMs,
      readyTimeoutMs: cfg.datasetReadyTimeoutMs ?? 10 * 60_000,
      pollMs: cfg.datasetPollMs ?? 2_000,
    });
    this.jobs = new FireworksSupervisedFineTuningJobs(http, account);
    this.deployments = new FireworksDeployments(http, account, cfg.serving ?? {});
    this.dpoJobs = new FireworksDpoJobs(http, account);
  }

  uploadDataset(source: StoredSource, opts: { name: string }): Promise<{ fileId: string }> {
    return this.datasets.upload(source, opts.name);
  }

  // Preference jobs are their own resource (dpoJobs.ts); their ids carry DPO_JOB_PREFIX.
  createJob(req: CreateJobRequest): Promise<FineTuneJob> {
    return req.method?.type === 'dpo' ? this.dpoJobs.create(req) : this.jobs.create(req);
  }

  findJobsByKey(key: string): Promise<FineTuneJob[]> {
    return isDpoKey(key) ? this.dpoJobs.listByKey(key) : this.jobs.listByKey(key);
  }

  getJob(id: string): Promise<FineTuneJob> {
    return id.startsWith(DPO_JOB_PREFIX) ? this.dpoJobs.retrieve(id) : this.jobs.retrieve(id);
  }

  listEvents(id: string): Promise<FineTuneEvent[]> {
    return id.startsWith(DPO_JOB_PREFIX) ? this.dpoJobs.listEvents(id) : this.jobs.listEvents(id);
  }

  cancelJob(id: string): Promise<FineTuneJob> {
    return id.startsWith(DPO_JOB_PREFIX) ? this.dpoJobs.cancel(id) : this.jobs.cancel(id);
  }

  needsDeployment(): boolean {
    return true;
  }

  ensureDeployment(req: EnsureDeploymentRequest): Promise<Deployment> {
    return this.deployments.ensureForKey(req);
  }

  getDeployment(id: string): Promise<Deployment> {
    return this.deployments.retrieve(id);
  }

  deleteDeployment(id: string): Promise<void> {
    return this.deployments.delete(id);
  }
}
