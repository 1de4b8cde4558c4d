// Fireworks supervised fine-tuning jobs (`/v1/accounts/<a>/supervisedFineTuningJobs`): https://docs.fireworks.ai/api-reference/create-supervised-fine-tuning-job
import { createLogger } from '../../log';
import { ProviderRequestError } from '../errors';
import { keySlug } from '../businessKey';
import type { CreateJobRequest, FineTuneEvent, FineTuneJob, FineTuneStatus } from '../types';
import type { ProviderHttp } from '../http';
import { shortId } from './resourceName';

/** Fireworks resource ids: lower-case letters, digits and hyphens, at most 63 characters. */
const ID_LENGTH = 63;

/** The caller-chosen job id of a business key: creating it twice answers 409, never a second job. */
export function fireworksJobIdForKey(key: string): string {
  return keySlug(key, ID_LENGTH);
}

interface FireworksStatus {
  code?: string;
  message?: string;
}

interface FireworksJob {
  name: string;
  displayName?: string;
  state?: string;
  status?: FireworksStatus;
  outputModel?: string;
  baseModel?: string;
  dataset?: string;
  createTime?: string;
  updateTime?: string;
  completedTime?: string;
  /** google.type.Money: whole `units` (an int64 as a string) plus `nanos`. */
  estimatedCost?: { currencyCode?: string; units?: string | number; nanos?: number };
}

const log = createLogger({ component: 'fineTune', provider: 'fireworks' });

/**
 * Fireworks' supervised fine-tuning jobs resource (`/v1/accounts/<a>/supervisedFineTuningJobs`; create:
 * https://docs.fireworks.ai/api-reference/create-supervised-fine-tuning-job, get:
 * https://docs.fireworks.ai/api-reference/get-supervised-fine-tuning-job). Job ids are chosen by the caller
 * (`?supervisedFineTuningJobId=`), so a retried create answers 409 and the existing job is adopted.
 */
export class FireworksSupervisedFineTuningJobs {
  private readonly collection: string;

  constructor(
    private readonly http: ProviderHttp,
    account: string,
  ) {
    this.collection = `/v1/accounts/${encodeURIComponent(account)}/supervisedFineTuningJobs`;
  }

  async create(req: CreateJobRequest): Promise<FineTuneJob> {
    const jobId = fireworksJobIdForKey(req.key);
    const hp = req.hyperparameters ?? {};
    if (hp.learningRateMultiplier !== undefined && hp.learningRate === undefined) {
      log.warn({ key: req.key }, 'fireworks: learningRateMultiplier is ignored; set learningRate');
    }
    // A later round warm-starts from the parent LoRA model; base model and warm start are exclusive
    // (https://docs.fireworks.ai/tools-sdks/firectl/commands/supervised-fine-tuning-job-create: "Only one
    // of base-model or warm-start-from should be specified"; REST field `warmStartFrom`,
    // https://docs.fireworks.ai/api-reference/create-supervised-fine-tuning-job).
    const body: Record<string, unknown> = {
      dataset: req.trainingFileId,
      ...(req.parent ? { warmStartFrom: req.parent.model } : { baseModel: req.baseModel }),
      displayName: req.suffix.slice(0, 63),
    };
    if (hp.nEpochs !== undefined) body.epochs = hp.nEpochs;
    if (hp.learningRate !== undefined) body.learningRate = hp.learningRate;
    // Our batchSize counts examples. Fireworks' `batchSize` is a token budget for sequence packing ("Deprecated:
    // legacy V1 token budget. Training V2 batches by samples via batch_size_samples"); examples per gradient batch
    // are `batchSizeSamples` (fireworks-ai Python SDK `SupervisedFineTuningJob`, generated from the Gateway REST
    // API: https://github.com/fw-ai-external/python-sdk; https://docs.fireworks.ai/api-reference/create-supervised-fine-tuning-job).
    if (hp.batchSize !== undefined) body.batchSizeSamples = hp.batchSize;
    const res = await this.http.request<FireworksJob>(
      'POST supervisedFineTuningJobs',
      { method: 'POST', url: this.collection, params: { supervisedFineTuningJobId: jobId }, data: body },
      [409],
    );
    // ALREADY_EXISTS: an earlier attempt with this key created it; adopt that job.
    if (res.status === 409) return this.retrieve(jobId);
    return toJob(res.data);
  }

  /** The key's job, found by its caller-chosen id (none when it was never created). */
  async listByKey(key: string): Promise<FineTuneJob[]> {
    try {
      return [await this.retrieve(fireworksJobIdForKey(key))];
    } catch (err) {
      if (err instanceof ProviderRequestError && err.status === 404) return [];
      throw err;
    }
  }

  async retrieve(id: string): Promise<FineTuneJob> {
    const res = await this.http.request<FireworksJob>(`GET supervisedFineTuningJobs/${shortId(id)}`, { method: 'GET', url: this.path(id) });
    return toJob(res.data);
  }

  async listEvents(id: string): Promise<FineTuneEvent[]> {
    // Fireworks exposes no event log for these jobs; the job's own timestamps and status stand in for one.
    const job = (await this.retrieve(id)).raw as FireworksJob;
    const events: FineTuneEvent[] = [];
    if (job.createTime) events.push({ at: job.createTime, level: 'info', message: `job created (${job.displayName ?? shortId(job.name)})` });
    const at = job.completedTime ?? job.updateTime ?? job.createTime ?? '';
    const failed = job.state === 'JOB_STATE_FAILED' || job.state === 'JOB_STATE_EXPIRED' || job.state === 'JOB_STATE_PAUSED';
    events.push({ at, level: failed ? 'error' : 'info', message: `${job.state ?? 'JOB_STATE_UNSPECIFIED'}${job.status?.message ? `: ${job.status.message}` : ''}` });
    return events;
  }

  async cancel(id: string): Promise<FineTuneJob> {
    // The REST API has no cancel verb for supervised jobs (the Python SDK lists create/list/get/delete/
    // resume): deleting stops the job. Afterwards the job reads as deleting, or is gone.
    await this.http.request(`DELETE supervisedFineTuningJobs/${shortId(id)}`, { method: 'DELETE', url: this.path(id) });
    try {
      return await this.retrieve(id);
    } catch (err) {
      if (err instanceof ProviderRequestError && err.status === 404) {
        return { id: shortId(id), status: 'cancelled', providerStatus: 'JOB_STATE_DELETED' };
      }
      throw err;
    }
  }

  private path(id: string): string {
    return `${this.collection}/${encodeURIComponent(shortId(id))}`;
  }
}

/**
 * Every documented JobState (gatewayJobState, https://docs.fireworks.ai/api-reference/get-supervised-fine-tuning-job;
 * JOB_STATE_PAUSED "typically due to account suspension or manual intervention", fireworks-ai SDK). A deleted
 * job reads as JOB_STATE_ARCHIVED, a retention tombstone (fireworks-ai cookbook, training cleanup:
 * https://github.com/fw-ai/cookbook). A state not listed here is logged and read as still running, so the job's
 * own timeout (fineTune.timeoutHours) bounds the wait and the state shows in `status`.
 */
export const STATUS: Record<string, FineTuneStatus> = {
  JOB_STATE_UNSPECIFIED: 'pending',
  JOB_STATE_CREATING: 'pending',
  JOB_STATE_VALIDATING: 'pending',
  JOB_STATE_PENDING: 'pending',
  JOB_STATE_CREATING_INPUT_DATASET: 'pending',
  JOB_STATE_RE_QUEUEING: 'pending',
  JOB_STATE_IDLE: 'pending',
  // Paused jobs (e.g. account suspension) can be resumed; not a final state.
  JOB_STATE_PAUSED: 'pending',
  JOB_STATE_RUNNING: 'running',
  JOB_STATE_WRITING_RESULTS: 'running',
  JOB_STATE_CANCELLING: 'running',
  JOB_STATE_COMPLETED: 'succeeded',
  // Stopped early by its own early-stopping rule: the model is written.
  JOB_STATE_EARLY_STOPPED: 'succeeded',
  JOB_STATE_FAILED: 'failed',
  JOB_STATE_EXPIRED: 'failed',
  JOB_STATE_CANCELLED: 'cancelled',
  JOB_STATE_DELETING: 'cancelled',
  JOB_STATE_DELETING_CLEANING_UP: 'cancelled',
  JOB_STATE_DELETED: 'cancelled',
  JOB_STATE_ARCHIVED: 'cancelled',
};

/** Non-terminal states a person must act on: the job waits, and every poll says so. */
const NEEDS_A_PERSON: Record<string, string> = {
  JOB_STATE_PAUSED: 'paused at Fireworks (typically account suspension or manual intervention): resume it there; the round waits for it',
};

function toJob(raw: FireworksJob): FineTuneJob {
  const providerStatus = raw.state ?? 'JOB_STATE_UNSPECIFIED';
  const known = STATUS[providerStatus];
  if (!known) log.warn({ job: raw.name, state: providerStatus }, 'fireworks: undocumented job state; read as running until fineTune.timeoutHours');
  const status = known ?? 'running';
  const job: FineTuneJob = { id: shortId(raw.name), status, providerStatus, raw };
  const attention = NEEDS_A_PERSON[providerStatus];
  if (attention) log.warn({ job: raw.name, state: providerStatus }, `fireworks: job ${attention}`);
  if (status === 'succeeded' && raw.outputModel) job.fineTunedModel = raw.outputModel;
  if (raw.createTime) job.createdAt = raw.createTime;
  if (status === 'failed') job.error = raw.status?.message || `job ended in ${providerStatus}`;
  if (providerStatus === 'JOB_STATE_ARCHIVED') job.error = 'the job was deleted (JOB_STATE_ARCHIVED)';
  const price = moneyToDollars(raw.estimatedCost);
  if (price !== undefined) job.providerPrice = price;
  return job;
}

/** google.type.Money in US dollars (units + nanos / 1e9); undefined for another currency or none. */
export function moneyToDollars(m: FireworksJob['estimatedCost']): number | undefined {
  if (!m || (m.currencyCode && m.currencyCode !== 'USD')) return undefined;
  const units = Number(m.units ?? 0);
  if (!Number.isFinite(units)) return undefined;
  return units + (m.nanos ?? 0) / 1e9;
}
