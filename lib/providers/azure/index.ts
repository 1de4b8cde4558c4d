import { UserError } from '../../errors';
import { createProviderHttp } from '../http';
import { OpenAIClient } from '../openai/client';
import { OpenAIFineTuningJobs } from '../openai/fineTuningJobs';
import type { CreateJobRequest, Deployment, EnsureDeploymentRequest, FineTuneEvent, FineTuneJob, FineTuneProvider, ProviderClientConfig, ServingProvider } from '../types';
import { AzureDeployments } from './deployments';
import { AzureFiles } from './files';
import type { StoredSource } from '../../store/types';

export { azureDeploymentNameForKey } from './deployments';
export type { AzureProviderOptions } from './options';

/**
 * Azure OpenAI through its v1 API (`https://<resource>.openai.azure.com/openai/v1`,
 * https://learn.microsoft.com/en-us/azure/ai-foundry/openai/api-version-lifecycle): files and fine-tuning jobs
 * have OpenAI's shape (the OpenAI resource modules serve them, the key in an `api-key` header), with two
 * differences that make it a kind of its own: a job may use a file only once Azure has `processed` it, and a
 * trained model serves only through a deployment (control plane, hourly fee), one per trained model.
 */
export class AzureProvider implements FineTuneProvider, ServingProvider {
  readonly kind = 'azure';
  private readonly files: AzureFiles;
  private readonly jobs: OpenAIFineTuningJobs;
  private readonly deployments: AzureDeployments | undefined;

  constructor(cfg: ProviderClientConfig) {
    const timeoutMs = cfg.timeoutMs ?? 60_000;
    const client = new OpenAIClient({ baseURL: cfg.baseURL, apiKeyEnv: cfg.apiKeyEnv ?? '', timeoutMs, authHeader: 'api-key', label: 'azure' });
    const files = cfg.azure?.files ?? {};
    this.files = new AzureFiles(client, { timeoutMs: (files.processedTimeoutMinutes ?? 30) * 60_000, pollMs: (files.pollSeconds ?? 5) * 1000 });
    this.jobs = new OpenAIFineTuningJobs(client);
    const d = cfg.azure?.deployments;
    if (d) {
      const base = `${(d.managementURL ?? 'https://management.azure.com').replace(/\/+$/, '')}/subscriptions/${encodeURIComponent(d.subscriptionId)}/resourceGroups/${encodeURIComponent(d.resourceGroup)}/providers/Microsoft.CognitiveServices/accounts/${encodeURIComponent(d.accountName)}`;
      const http = createProviderHttp({ name: 'azure', baseURL: base, apiKeyEnv: d.tokenEnv ?? 'AZURE_MANAGEMENT_TOKEN', timeoutMs });
      this.deployments = new AzureDeployments(http, { apiVersion: d.apiVersion ?? '2024-10-01', sku: { name: d.sku?.name ?? 'Standard', capacity: d.sku?.capacity ?? 1 } });
    }
  }

  /** Uploads only: the wait for `processed` belongs to job creation, so a retry waits on the recorded file instead of uploading again. */
  uploadDataset(source: StoredSource, opts: { name: string }): Promise<{ fileId: string }> {
    return this.files.upload(source, opts.name);
  }

  async createJob(req: CreateJobRequest): Promise<FineTuneJob> {
    await this.files.waitProcessed(req.trainingFileId);
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
    return true;
  }

  ensureDeployment(req: EnsureDeploymentRequest): Promise<Deployment> {
    return this.control().ensureForKey(req);
  }

  getDeployment(id: string): Promise<Deployment> {
    return this.control().retrieve(id);
  }

  deleteDeployment(id: string): Promise<void> {
    return this.control().delete(id);
  }

  private control(): AzureDeployments {
    if (!this.deployments) throw new UserError('azure: serving needs the provider block `deployments` (subscriptionId, resourceGroup, accountName)');
    return this.deployments;
  }
}
