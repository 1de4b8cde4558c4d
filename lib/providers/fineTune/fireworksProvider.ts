import { UserError } from '../../errors';
import { createLogger } from '../../log';
import { keySlug } from './businessKey';
import { ProviderRequestError } from './errors';
import { createProviderHttp } from '../http';
import { uploadFireworksDataset } from './fireworksDatasets';
import type { CreateJobRequest, FineTuneEvent, FineTuneJob, FineTuneProvider, FineTuneProviderConfig, FineTuneStatus } from './types';

export { fireworksDatasetIdFor } from './fireworksDatasets';

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
}

const log = createLogger({ component: 'fineTune', provider: 'fireworks' });

/**
 * Fireworks' fine-tuning API (https://docs.fireworks.ai/api-reference): datasets and supervised fine-tuning
 * jobs under `/v1/accounts/<account>/`. Job ids are chosen by the caller, so a retried create is safe.
 * `baseURL` is the API host (`https://api.fireworks.ai`); a trailing `/v1` is tolerated.
 */
export function createFireworksFineTuneProvider(cfg: FineTuneProviderConfig): FineTuneProvider {
  if (!cfg.accountId) throw new UserError('fireworks: accountId is required (the account the datasets and jobs belong to)');
  const account = cfg.accountId;
  const timeoutMs = cfg.timeoutMs ?? 60_000;
  const baseURL = cfg.baseURL.replace(/\/+$/, '').replace(/\/v1$/, '');
  const http = createProviderHttp({ name: 'fireworks', baseURL, apiKeyEnv: cfg.apiKeyEnv, timeoutMs });
  const accountPath = `/v1/accounts/${encodeURIComponent(account)}`;

  const jobPath = (id: string) => `${accountPath}/supervisedFineTuningJobs/${encodeURIComponent(shortId(id))}`;

  async function getJob(id: string): Promise<FineTuneJob> {
    const res = await http.request<FireworksJob>(`GET supervisedFineTuningJobs/${shortId(id)}`, { method: 'GET', url: jobPath(id) });
    return toJob(res.data);
  }

  return {
    kind: 'fireworks',

    uploadDataset: (localPath, opts) =>
      uploadFireworksDataset(http, { account, timeoutMs, readyTimeoutMs: cfg.datasetReadyTimeoutMs ?? 10 * 60_000, pollMs: cfg.datasetPollMs ?? 2_000 }, localPath, opts.name),

    async createJob(req: CreateJobRequest) {
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
      if (hp.batchSize !== undefined) body.batchSize = hp.batchSize;
      const res = await http.request<FireworksJob>(
        'POST supervisedFineTuningJobs',
        {
          method: 'POST',
          url: `${accountPath}/supervisedFineTuningJobs`,
          params: { supervisedFineTuningJobId: jobId },
          data: body,
        },
        [409],
      );
      // ALREADY_EXISTS: an earlier attempt with this key created it; adopt that job.
      if (res.status === 409) return getJob(jobId);
      return toJob(res.data);
    },

    async findJobsByKey(key) {
      try {
        return [await getJob(fireworksJobIdForKey(key))];
      } catch (err) {
        if (err instanceof ProviderRequestError && err.status === 404) return [];
        throw err;
      }
    },

    getJob,

    async listEvents(id) {
      // Fireworks exposes no event log for these jobs; the job's own timestamps and status stand in for one.
      const job = (await getJob(id)).raw as FireworksJob;
      const events: FineTuneEvent[] = [];
      if (job.createTime) events.push({ at: job.createTime, level: 'info', message: `job created (${job.displayName ?? shortId(job.name)})` });
      const at = job.completedTime ?? job.updateTime ?? job.createTime ?? '';
      const failed = job.state === 'JOB_STATE_FAILED' || job.state === 'JOB_STATE_EXPIRED';
      events.push({ at, level: failed ? 'error' : 'info', message: `${job.state ?? 'JOB_STATE_UNSPECIFIED'}${job.status?.message ? `: ${job.status.message}` : ''}` });
      return events;
    },

    async cancelJob(id) {
      // The REST API has no cancel verb for supervised jobs (the Python SDK lists create/list/get/delete/
      // resume): deleting stops the job. Afterwards the job reads as deleting, or is gone.
      await http.request(`DELETE supervisedFineTuningJobs/${shortId(id)}`, { method: 'DELETE', url: jobPath(id) });
      try {
        return await getJob(id);
      } catch (err) {
        if (err instanceof ProviderRequestError && err.status === 404) {
          return { id: shortId(id), status: 'cancelled', providerStatus: 'JOB_STATE_DELETED' };
        }
        throw err;
      }
    },
  };
}

const STATUS: Record<string, FineTuneStatus> = {
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
};

function toJob(raw: FireworksJob): FineTuneJob {
  const providerStatus = raw.state ?? 'JOB_STATE_UNSPECIFIED';
  const status = STATUS[providerStatus] ?? 'running';
  const job: FineTuneJob = { id: shortId(raw.name), status, providerStatus, raw };
  if (status === 'succeeded' && raw.outputModel) job.fineTunedModel = raw.outputModel;
  if (raw.createTime) job.createdAt = raw.createTime;
  if (status === 'failed') job.error = raw.status?.message || `job ended in ${providerStatus}`;
  return job;
}

/** `accounts/a/supervisedFineTuningJobs/x` -> `x`; a short id stays as it is. */
function shortId(nameOrId: string): string {
  const i = nameOrId.lastIndexOf('/');
  return i >= 0 ? nameOrId.slice(i + 1) : nameOrId;
}
