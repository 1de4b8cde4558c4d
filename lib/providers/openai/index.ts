import type { CreateJobRequest, Deployment, EnsureDeploymentRequest, FineTuneEvent, FineTuneJob, FineTuneProvider, ProviderClientConfig, ServingProvider } from '../types';
import { serverlessDeployment } from '../serving/serverless';
import { OpenAIClient } from './client';
import { OpenAIFiles } from './files';
import { OpenAIFineTuningJobs } from './fineTuningJobs';
import type { StoredSource } from '../../store/types';

export { KEY_METADATA_FIELD } from './fineTuningJobs';

/**
 * The OpenAI API shape: OpenAI itself, Azure OpenAI (v1 API), a LiteLLM proxy and the simulated provider.
 * Training data goes up through the files resource, jobs through fine-tuning jobs; a fine-tuned model serves
 * on the same chat endpoint as soon as its job succeeded, so there is no deployment to make.
 */
export class OpenAIProvider implements FineTuneProvider, ServingProvider {
  readonly kind = 'openai';
  private readonly files: OpenAIFiles;
  private readonly jobs: OpenAIFineTuningJobs;

  constructor(cfg: ProviderClientConfig) {
    const client = new OpenAIClient({ baseURL: cfg.baseURL, apiKeyEnv: cfg.apiKeyEnv ?? '', timeoutMs: cfg.timeoutMs ?? 60_000 });
    this.files = new OpenAIFiles(client);
    this.jobs = new OpenAIFineTuningJobs(client);
  }

  uploadDataset(source: StoredSource, opts: { name: string }): Promise<{ fileId: string }> {
    return this.files.upload(source, opts.name);
  }

  createJob(req: CreateJobRequest): Promise<FineTuneJob> {
    return this.jobs.create(req);
  }

  findJobsByKey(key: string): Promise<FineTuneJob[]> {
    return this.jobs.listByKey(key);
  }

  getJob(id: string): Promise<FineTuneJob> {
    return this.jobs.retrieve(id);
  }

  listEvents(id: string): Promise<FineTuneEvent[]> {
    return this.jobs.listEvents(id);
  }

  cancelJob(id: string): Promise<FineTuneJob> {
    return this.jobs.cancel(id);
  }

  needsDeployment(): boolean {
    return false;
  }

  async ensureDeployment(req: EnsureDeploymentRequest): Promise<Deployment> {
    return serverlessDeployment(req.model);
  }

  async getDeployment(): Promise<Deployment> {
    throw new Error('openai: models serve without a deployment; there is none to get');
  }

  async deleteDeployment(): Promise<void> {}
}
