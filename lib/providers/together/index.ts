import { UserError } from '../../errors';
import type { CreateJobRequest, Deployment, EnsureDeploymentRequest, FineTuneEvent, FineTuneJob, FineTuneProvider, ProviderClientConfig, ServingProvider } from '../types';
import { createProviderHttp } from '../http';
import { serverlessDeployment } from '../serving/serverless';
import { TogetherEndpoints } from './endpoints';
import { TOGETHER_HARDWARE_REQUIRED } from './serving';
import { TogetherFiles } from './files';
import { TogetherFineTunes } from './fineTunes';
import type { StoredSource } from '../../store/types';

export { togetherEndpointNameForKey } from './endpoints';
export { togetherSuffixForKey } from './fineTunes';

/**
 * Together (https://docs.together.ai/reference): datasets go up through the files resource, jobs live under
 * `/fine-tunes`, and a trained model serves on a dedicated endpoint per model (`serving.mode: dedicated`, the
 * default) or serverless (`serving.mode: serverless`: the output name serves on the shared chat endpoint, which
 * Together offers only for LoRA fine-tunes of a short list of bases, https://docs.together.ai/docs/adapter-upload).
 */
export class TogetherProvider implements FineTuneProvider, ServingProvider {
  readonly kind = 'together';
  private readonly files: TogetherFiles;
  private readonly fineTunes: TogetherFineTunes;
  private readonly endpoints: TogetherEndpoints;
  private readonly dedicated: boolean;
  private readonly hardwareMissing: boolean;

  constructor(cfg: ProviderClientConfig) {
    const serving = cfg.serving ?? {};
    this.dedicated = serving.mode !== 'serverless';
    // Hardware is checked where it is needed (and by config load, lib/config/load.ts): a fine-tune-only client needs none.
    this.hardwareMissing = this.dedicated && !serving.hardware;
    const timeoutMs = cfg.timeoutMs ?? 60_000;
    const http = createProviderHttp({ name: 'together', baseURL: cfg.baseURL, apiKeyEnv: cfg.apiKeyEnv ?? '', timeoutMs });
    this.files = new TogetherFiles(http, timeoutMs);
    this.fineTunes = new TogetherFineTunes(http);
    this.endpoints = new TogetherEndpoints(http, serving);
  }

  uploadDataset(source: StoredSource, opts: { name: string }): Promise<{ fileId: string }> {
    return this.files.upload(source, opts.name);
  }

  createJob(req: CreateJobRequest): Promise<FineTuneJob> {
    return this.fineTunes.create(req);
  }

  findJobsByKey(key: string): Promise<FineTuneJob[]> {
    return this.fineTunes.listByKey(key);
  }

  getJob(id: string): Promise<FineTuneJob> {
    return this.fineTunes.retrieve(id);
  }

  listEvents(id: string): Promise<FineTuneEvent[]> {
    return this.fineTunes.listEvents(id);
  }

  cancelJob(id: string): Promise<FineTuneJob> {
    return this.fineTunes.cancel(id);
  }

  needsDeployment(): boolean {
    return this.dedicated;
  }

  async ensureDeployment(req: EnsureDeploymentRequest): Promise<Deployment> {
    if (this.hardwareMissing) throw new UserError(`together: serving.hardware: ${TOGETHER_HARDWARE_REQUIRED}`);
    return this.dedicated ? this.endpoints.ensureForKey(req) : serverlessDeployment(req.model);
  }

  getDeployment(id: string): Promise<Deployment> {
    return this.endpoints.retrieve(id);
  }

  deleteDeployment(id: string): Promise<void> {
    return this.endpoints.delete(id);
  }
}
