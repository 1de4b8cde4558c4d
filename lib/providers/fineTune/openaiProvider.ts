import { createReadStream } from 'node:fs';
import OpenAI, { APIConnectionTimeoutError, APIError, toFile } from 'openai';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { createLogger } from '../../log';
import { readApiKey } from '../apiKey';
import { providerHttpError } from './errors';
import type { CreateJobRequest, FineTuneEvent, FineTuneJob, FineTuneProvider, FineTuneProviderConfig, FineTuneStatus } from './types';

/** The metadata field that carries the business key; jobs are found again with `?metadata[strawberry_key]=`. */
export const KEY_METADATA_FIELD = 'strawberry_key';

/** How many pages of jobs to scan when the server ignores the metadata filter (e.g. some proxies). */
const MAX_LIST_PAGES = 10;

const log = createLogger({ component: 'fineTune', provider: 'openai' });

/**
 * Fine-tuning through the OpenAI API shape: OpenAI itself, Azure OpenAI (v1 API), a LiteLLM proxy and the
 * simulated provider. OpenAI has no idempotency key, so the business key goes into job metadata.
 */
export function createOpenAIFineTuneProvider(cfg: FineTuneProviderConfig): FineTuneProvider {
  const timeout = cfg.timeoutMs ?? 60_000;

  // A client per call: the key is read from the environment at the moment of use and never kept.
  function client(maxRetries: number, timeoutMs = timeout): { api: OpenAI; key: string } {
    const key = readApiKey(cfg.apiKeyEnv, "the fine-tuning provider's API key");
    return { api: new OpenAI({ apiKey: key, baseURL: cfg.baseURL, maxRetries, timeout: timeoutMs }), key };
  }

  async function call<T>(what: string, maxRetries: number, fn: (api: OpenAI) => Promise<T>, timeoutMs?: number): Promise<T> {
    const { api, key } = client(maxRetries, timeoutMs);
    try {
      return await fn(api);
    } catch (err) {
      throw translate(`openai: ${what}`, err, key);
    }
  }

  return {
    kind: 'openai',

    async uploadDataset(localPath, opts) {
      // No SDK retries: a stream cannot be replayed; the activity retries the whole upload.
      const file = await call(
        'upload training file',
        0,
        async (api) => api.files.create({ file: await toFile(createReadStream(localPath), opts.name), purpose: 'fine-tune' }),
        timeout * 10,
      );
      return { fileId: file.id };
    },

    async createJob(req: CreateJobRequest) {
      const hp = req.hyperparameters ?? {};
      if (hp.learningRate !== undefined) log.warn({ key: req.key }, 'openai: learningRate is ignored; use learningRateMultiplier');
      const hyperparameters: Record<string, number> = {};
      if (hp.nEpochs !== undefined) hyperparameters.n_epochs = hp.nEpochs;
      if (hp.learningRateMultiplier !== undefined) hyperparameters.learning_rate_multiplier = hp.learningRateMultiplier;
      if (hp.batchSize !== undefined) hyperparameters.batch_size = hp.batchSize;
      // maxRetries 0: the SDK's default retries of POST /fine_tuning/jobs can start duplicate jobs.
      const job = await call('create fine-tuning job', 0, (api) =>
        api.fineTuning.jobs.create(
          {
            // Continuing from a fine-tuned parent: OpenAI takes the `ft:` model itself as `model`
            // (https://platform.openai.com/docs/api-reference/fine-tuning/create, `model`).
            model: req.parent?.model ?? req.baseModel,
            training_file: req.trainingFileId,
            suffix: req.suffix.slice(0, 64),
            ...(req.seed !== undefined ? { seed: req.seed } : {}),
            ...(Object.keys(hyperparameters).length ? { method: { type: 'supervised', supervised: { hyperparameters } } } : {}),
            metadata: { ...(req.metadata ?? {}), [KEY_METADATA_FIELD]: req.key },
          },
          { maxRetries: 0 },
        ),
      );
      return toJob(job);
    },

    async findJobsByKey(key) {
      return call('list fine-tuning jobs', 2, async (api) => {
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
    },

    async getJob(id) {
      return toJob(await call(`get fine-tuning job ${id}`, 2, (api) => api.fineTuning.jobs.retrieve(id)));
    },

    async listEvents(id) {
      return call(`list events of ${id}`, 2, async (api) => {
        const events: FineTuneEvent[] = [];
        const page = await api.fineTuning.jobs.listEvents(id, { limit: 100 });
        for (const e of page.data) events.push({ at: isoFromSeconds(e.created_at) ?? '', level: e.level, message: e.message });
        // The API lists newest first; callers read a log, oldest first.
        return events.sort((a, b) => a.at.localeCompare(b.at));
      });
    },

    async cancelJob(id) {
      return toJob(await call(`cancel fine-tuning job ${id}`, 2, (api) => api.fineTuning.jobs.cancel(id)));
    },
  };
}

const STATUS: Record<FineTuningJob['status'], FineTuneStatus> = {
  validating_files: 'pending',
  queued: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

function toJob(job: FineTuningJob): FineTuneJob {
  const status = STATUS[job.status] ?? 'running';
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

function translate(what: string, err: unknown, key: string): Error {
  if (err instanceof APIConnectionTimeoutError) return providerHttpError(what, undefined, 'request timed out', key);
  if (err instanceof APIError) {
    const body = err.error as { message?: unknown } | undefined;
    const message = typeof body?.message === 'string' ? body.message : err.message;
    return providerHttpError(what, err.status, message, key);
  }
  return err instanceof Error ? err : new Error(String(err));
}
