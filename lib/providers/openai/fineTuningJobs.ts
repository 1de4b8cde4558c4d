// OpenAI fine-tuning jobs (`/fine_tuning/jobs`): https://platform.openai.com/docs/api-reference/fine-tuning
import type { FineTuningJob, JobCreateParams } from 'openai/resources/fine-tuning/jobs/jobs';
import { createLogger } from '../../log';
import type { CreateJobRequest, FineTuneEvent, FineTuneJob, FineTuneStatus } from '../types';
import type { OpenAIClient } from './client';

/** The metadata field that carries the business key; jobs are found again with `?metadata[strawberry_key]=`. */
export const KEY_METADATA_FIELD = 'strawberry_key';

/** How many pages of jobs to scan when the server ignores the metadata filter (e.g. some proxies). */
const MAX_LIST_PAGES = 10;

const log = createLogger({ component: 'fineTune', provider: 'openai' });

/**
 * OpenAI's fine-tuning jobs resource (`/fine_tuning/jobs`; https://platform.openai.com/docs/api-reference/fine-tuning:
 * create, list, retrieve, list events, cancel). OpenAI has no idempotency key, so the business key goes into
 * job metadata and a retry lists by it.
 */
export class OpenAIFineTuningJobs {
  constructor(private readonly client: OpenAIClient) {}

  async create(req: CreateJobRequest): Promise<FineTuneJob> {
    const hp = req.hyperparameters ?? {};
    if (hp.learningRate !== undefined) log.warn({ key: req.key }, 'openai: learningRate is ignored; use learningRateMultiplier');
    const hyperparameters: Record<string, number> = {};
    if (hp.nEpochs !== undefined) hyperparameters.n_epochs = hp.nEpochs;
    if (hp.learningRateMultiplier !== undefined) hyperparameters.learning_rate_multiplier = hp.learningRateMultiplier;
    if (hp.batchSize !== undefined) hyperparameters.batch_size = hp.batchSize;
    // maxRetries 0: the SDK's default retries of POST /fine_tuning/jobs can start duplicate jobs.
    const job = await this.client.call('create fine-tuning job', 0, (api) =>
      api.fineTuning.jobs.create(
        {
          // Continuing from a fine-tuned parent: OpenAI takes the `ft:` model itself as `model`
          // (https://platform.openai.com/docs/api-reference/fine-tuning/create, `model`).
          model: req.parent?.model ?? req.baseModel,
          training_file: req.trainingFileId,
          suffix: req.suffix.slice(0, 64),
          ...(req.seed !== undefined ? { seed: req.seed } : {}),
          ...methodField(req, hyperparameters),
          metadata: { ...(req.metadata ?? {}), [KEY_METADATA_FIELD]: req.key },
        },
        { maxRetries: 0 },
      ),
    );
    return toJob(job);
  }

  /** Jobs whose metadata carries the key, oldest first. */
  async listByKey(key: string): Promise<FineTuneJob[]> {
    return this.client.call('list fine-tuning jobs', 2, async (api) => {
      const found: FineTuneJob[] = [];
      let pages = 0;
      // The SDK sends `metadata[strawberry_key]=<key>`; the client-side check covers servers that ignore it.
      let page = await api.fineTuning.jobs.list({ metadata: { [KEY_METADATA_FIELD]: key }, limit: 100 });
      for (;;) {
        for (const job of page.data) if (job.metadata?.[KEY_METADATA_FIELD] === key) found.push(toJob(job));
        if (++pages >= MAX_LIST_PAGES || !page.hasNextPage()) break;
        page = await page.getNextPage();
      }
      return found.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
    });
  }

  async retrieve(id: string): Promise<FineTuneJob> {
    return toJob(await this.client.call(`get fine-tuning job ${id}`, 2, (api) => api.fineTuning.jobs.retrieve(id)));
  }

  async listEvents(id: string): Promise<FineTuneEvent[]> {
    return this.client.call(`list events of ${id}`, 2, async (api) => {
      const events: FineTuneEvent[] = [];
      const page = await api.fineTuning.jobs.listEvents(id, { limit: 100 });
      for (const e of page.data) events.push({ at: isoFromSeconds(e.created_at) ?? '', level: e.level, message: e.message });
      // The API lists newest first; callers read a log, oldest first.
      return events.sort((a, b) => a.at.localeCompare(b.at));
    });
  }

  async cancel(id: string): Promise<FineTuneJob> {
    return toJob(await this.client.call(`cancel fine-tuning job ${id}`, 2, (api) => api.fineTuning.jobs.cancel(id)));
  }
}

/**
 * The `method` field: supervised only when it has hyperparameters to carry (OpenAI's default is supervised);
 * DPO always, with its beta beside the usual hyperparameters: `method: {type: "dpo", dpo: {hyperparameters:
 * {beta, n_epochs, learning_rate_multiplier, batch_size}}}` (https://platform.openai.com/docs/api-reference/fine-tuning/create,
 * `method`; https://platform.openai.com/docs/guides/direct-preference-optimization). Azure sends the same body.
 */
export function methodField(req: CreateJobRequest, hyperparameters: Record<string, number>): { method?: JobCreateParams['method'] } {
  if (req.method?.type === 'dpo') return { method: { type: 'dpo', dpo: { hyperparameters: { ...hyperparameters, beta: req.method.beta } } } };
  return Object.keys(hyperparameters).length ? { method: { type: 'supervised', supervised: { hyperparameters } } } : {};
}

const STATUS: Record<FineTuningJob['status'], FineTuneStatus> = {
  validating_files: 'pending',
  queued: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** Azure OpenAI's job states beyond OpenAI's (FineTuningJobState: created, pending, running, succeeded, cancelled, failed; https://learn.microsoft.com/en-us/rest/api/azureopenai/fine-tuning/get). */
const AZURE_STATUS: Record<string, FineTuneStatus> = { created: 'pending', pending: 'pending' };

function toJob(job: FineTuningJob): FineTuneJob {
  const status = STATUS[job.status] ?? AZURE_STATUS[job.status] ?? 'running';
  const out: FineTuneJob = { id: job.id, status, providerStatus: job.status, raw: job };
  if (job.fine_tuned_model) out.fineTunedModel = job.fine_tuned_model;
  if (typeof job.trained_tokens === 'number') out.trainedTokens = job.trained_tokens;
  if (job.error && (job.error.message || job.error.code)) {
    out.error = job.error.message || job.error.code;
  }
  const createdAt = isoFromSeconds(job.created_at);
  if (createdAt) out.createdAt = createdAt;
  return out;
}

function isoFromSeconds(seconds: number | null | undefined): string | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : undefined;
}
