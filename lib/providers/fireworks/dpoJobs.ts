// Fireworks preference (DPO) jobs (`/v1/accounts/<a>/dpoJobs`): https://docs.fireworks.ai/api-reference/create-dpo-job
import { ProviderRequestError } from '../errors';
import { keySlug } from '../businessKey';
import type { CreateJobRequest, FineTuneEvent, FineTuneJob } from '../types';
import type { ProviderHttp } from '../http';
import { shortId } from './resourceName';
import { STATUS } from './supervisedFineTuningJobs';

/** What `getJob` ids of DPO jobs start with, so the provider routes them to this resource (not supervised jobs). */
export const DPO_JOB_PREFIX = 'dpoJobs/';

/** DPO jobs' business keys end in `-dpo` (activities/dpoStage.ts `dpoKey`): where a retry looks for them. */
export function isDpoKey(key: string): boolean {
  return key.endsWith('-dpo');
}

interface FireworksDpoJob {
  name: string;
  displayName?: string;
  state?: string;
  status?: { code?: string; message?: string };
  dataset?: string;
  createTime?: string;
  completedTime?: string;
  trainingConfig?: { outputModel?: string; baseModel?: string; warmStartFrom?: string };
}

/**
 * Fireworks' DPO jobs resource (create: https://docs.fireworks.ai/api-reference/create-dpo-job, get:
 * https://docs.fireworks.ai/api-reference/get-dpo-job; guide: https://docs.fireworks.ai/fine-tuning/dpo-fine-tuning).
 * Unlike supervised jobs, the model fields sit in `trainingConfig` (`baseModel` or `warmStartFrom`, exclusive;
 * `outputModel`), and beta is `lossConfig.klBeta`. The job id is chosen by the caller (`?dpoJobId=`, firectl
 * `--job-id`), so a retried create answers 409 and the existing job is adopted.
 */
export class FireworksDpoJobs {
  private readonly collection: string;

  constructor(
    private readonly http: ProviderHttp,
    private readonly account: string,
  ) {
    this.collection = `/v1/accounts/${encodeURIComponent(account)}/dpoJobs`;
  }

  async create(req: CreateJobRequest): Promise<FineTuneJob> {
    if (req.method?.type !== 'dpo') throw new Error('fireworks dpoJobs: a DPO job needs method dpo');
    const jobId = keySlug(req.key, 63);
    const hp = req.hyperparameters ?? {};
    const trainingConfig: Record<string, unknown> = {
      ...(req.parent ? { warmStartFrom: req.parent.model } : { baseModel: req.baseModel }),
      outputModel: `accounts/${this.account}/models/${jobId}`,
    };
    if (hp.nEpochs !== undefined) trainingConfig.epochs = hp.nEpochs;
    if (hp.learningRate !== undefined) trainingConfig.learningRate = hp.learningRate;
    if (hp.batchSize !== undefined) trainingConfig.batchSize = hp.batchSize;
    const body = { dataset: req.trainingFileId, displayName: req.suffix.slice(0, 63), trainingConfig, lossConfig: { klBeta: req.method.beta } };
    const res = await this.http.request<FireworksDpoJob>('POST dpoJobs', { method: 'POST', url: this.collection, params: { dpoJobId: jobId }, data: body }, [409]);
    if (res.status === 409) return this.retrieve(jobId);
    return toJob(res.data);
  }

  async listByKey(key: string): Promise<FineTuneJob[]> {
    try {
      return [await this.retrieve(keySlug(key, 63))];
    } catch (err) {
      if (err instanceof ProviderRequestError && err.status === 404) return [];
      throw err;
    }
  }

  async retrieve(id: string): Promise<FineTuneJob> {
    const short = shortId(id);
    const res = await this.http.request<FireworksDpoJob>(`GET dpoJobs/${short}`, { method: 'GET', url: `${this.collection}/${encodeURIComponent(short)}` });
    return toJob(res.data);
  }

  /** No event log for DPO jobs either: the job's timestamps and state stand in for one. */
  async listEvents(id: string): Promise<FineTuneEvent[]> {
    const job = (await this.retrieve(id)).raw as FireworksDpoJob;
    const events: FineTuneEvent[] = [];
    if (job.createTime) events.push({ at: job.createTime, level: 'info', message: `DPO job created (${job.displayName ?? shortId(job.name)})` });
    events.push({ at: job.completedTime ?? job.createTime ?? '', level: 'info', message: `${job.state ?? 'JOB_STATE_UNSPECIFIED'}${job.status?.message ? `: ${job.status.message}` : ''}` });
    return events;
  }

  async cancel(id: string): Promise<FineTuneJob> {
    const short = shortId(id);
    await this.http.request(`DELETE dpoJobs/${short}`, { method: 'DELETE', url: `${this.collection}/${encodeURIComponent(short)}` });
    return { id: `${DPO_JOB_PREFIX}${short}`, status: 'cancelled', providerStatus: 'JOB_STATE_DELETING' };
  }
}

function toJob(raw: FireworksDpoJob): FineTuneJob {
  const providerStatus = raw.state ?? 'JOB_STATE_UNSPECIFIED';
  const status = STATUS[providerStatus] ?? 'running';
  const job: FineTuneJob = { id: `${DPO_JOB_PREFIX}${shortId(raw.name)}`, status, providerStatus, raw };
  if (status === 'succeeded' && raw.trainingConfig?.outputModel) job.fineTunedModel = raw.trainingConfig.outputModel;
  if (raw.createTime) job.createdAt = raw.createTime;
  if (status === 'failed') job.error = raw.status?.message || `job ended in ${providerStatus}`;
  return job;
}
