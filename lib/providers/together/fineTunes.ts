// Together fine-tunes (`/fine-tunes`): https://docs.together.ai/reference/post-fine-tunes and the Fine-tuning section beside it
import { createLogger } from '../../log';
import { keySlug } from '../businessKey';
import type { CreateJobRequest, FineTuneEvent, FineTuneJob, FineTuneStatus } from '../types';
import type { ProviderHttp } from '../http';

/** Together limits the model-name suffix; the key's slug plus its hash fits comfortably. */
const SUFFIX_LENGTH = 40;

/** The suffix that marks the job of a business key; `listByKey` looks for it in the output model name. */
export function togetherSuffixForKey(key: string): string {
  return keySlug(key, SUFFIX_LENGTH);
}

interface TogetherEvent {
  created_at?: string;
  level?: string | null;
  message?: string;
  type?: string;
}

interface TogetherJob {
  id: string;
  status: string;
  model?: string;
  model_output_name?: string;
  output_name?: string;
  suffix?: string;
  created_at?: string;
  events?: TogetherEvent[];
  /** Tokens of the training dataset, counted once (not per epoch). */
  token_count?: number;
  n_epochs?: number;
  epochs_completed?: number;
  /** The job's price in nanodollars (together-python `finetune_price_to_dollars` divides by 1e9). */
  total_price?: number;
  random_seed?: number | null;
}

/** Together prices jobs in nanodollars: https://github.com/togethercomputer/together-python/blob/main/src/together/utils/tools.py (`NANODOLLAR`). */
const NANODOLLARS_PER_DOLLAR = 1_000_000_000;

const log = createLogger({ component: 'fineTune', provider: 'together' });

/**
 * Together's fine-tunes resource (`/fine-tunes`; create: https://docs.together.ai/reference/post-fine-tunes,
 * list, retrieve, events and cancel in the same Fine-tuning section of https://docs.together.ai/reference).
 * Together has no job metadata, so the business key is carried by the model-name suffix.
 */
export class TogetherFineTunes {
  constructor(private readonly http: ProviderHttp) {}

  async create(req: CreateJobRequest): Promise<FineTuneJob> {
    const hp = req.hyperparameters ?? {};
    if (hp.learningRateMultiplier !== undefined && hp.learningRate === undefined) {
      log.warn({ key: req.key }, 'together: learningRateMultiplier is ignored; set learningRate');
    }
    // Round 1 names the catalog base model in `model`; a later round continues from the parent's job with
    // `from_checkpoint` alone (the job id, or the output model name; without `:step` the final checkpoint).
    // Together's SDK refuses both at once ("You must specify either a model or a checkpoint to start a job
    // from, not both": together-python `create_finetune_request`,
    // https://github.com/togethercomputer/together-python/blob/main/src/together/resources/finetune.py);
    // https://docs.together.ai/reference/post-fine-tunes (`from_checkpoint`), https://docs.together.ai/docs/fine-tuning-continue
    const body: Record<string, unknown> = req.parent
      ? { from_checkpoint: req.parent.jobId ?? req.parent.model }
      : { model: req.baseModel };
    body.training_file = req.trainingFileId;
    body.suffix = togetherSuffixForKey(req.key);
    // Reproducible runs: the same seed gives the same data shuffle and init; without it Together applies its
    // own default seed. https://docs.together.ai/reference/post-fine-tunes (`random_seed`)
    if (req.seed !== undefined) body.random_seed = req.seed;
    if (hp.nEpochs !== undefined) body.n_epochs = hp.nEpochs;
    if (hp.learningRate !== undefined) body.learning_rate = hp.learningRate;
    if (hp.batchSize !== undefined) body.batch_size = hp.batchSize;
    // Preference fine-tuning: `training_method: {method: "dpo", dpo_beta}` on the same endpoint, with a file of
    // preference lines (https://docs.together.ai/reference/post-fine-tunes, `training_method`;
    // https://docs.together.ai/docs/preference-fine-tuning). Absent: Together's default, `sft`.
    if (req.method?.type === 'dpo') body.training_method = { method: 'dpo', dpo_beta: req.method.beta };
    const res = await this.http.request<TogetherJob>('POST /fine-tunes', { method: 'POST', url: '/fine-tunes', data: body });
    return toJob(res.data);
  }

  /** Jobs whose suffix (or output model name) carries the key, oldest first. */
  async listByKey(key: string): Promise<FineTuneJob[]> {
    const suffix = togetherSuffixForKey(key);
    const res = await this.http.request<{ data?: TogetherJob[] }>('GET /fine-tunes', { method: 'GET', url: '/fine-tunes' });
    return (res.data?.data ?? [])
      .filter((j) => j.suffix === suffix || (j.model_output_name ?? j.output_name ?? '').includes(suffix))
      .map(toJob)
      .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
  }

  async retrieve(id: string): Promise<FineTuneJob> {
    const res = await this.http.request<TogetherJob>(`GET /fine-tunes/${id}`, { method: 'GET', url: `/fine-tunes/${encodeURIComponent(id)}` });
    const job = toJob(res.data);
    if (job.status === 'failed' && !job.error) {
      // The job object may carry no events; the error text is in the event log.
      job.error = errorFromEvents(await this.listEvents(id)) ?? `job ${id} ended with status ${job.providerStatus}`;
    }
    return job;
  }

  async listEvents(id: string): Promise<FineTuneEvent[]> {
    const res = await this.http.request<{ data?: TogetherEvent[] }>(`GET /fine-tunes/${id}/events`, {
      method: 'GET',
      url: `/fine-tunes/${encodeURIComponent(id)}/events`,
    });
    return (res.data?.data ?? []).map(toEvent);
  }

  async cancel(id: string): Promise<FineTuneJob> {
    const res = await this.http.request<TogetherJob>(`POST /fine-tunes/${id}/cancel`, {
      method: 'POST',
      url: `/fine-tunes/${encodeURIComponent(id)}/cancel`,
    });
    return toJob(res.data);
  }
}

const STATUS: Record<string, FineTuneStatus> = {
  pending: 'pending',
  queued: 'pending',
  running: 'running',
  compressing: 'running',
  uploading: 'running',
  cancel_requested: 'running',
  cancelled: 'cancelled',
  error: 'failed',
  // Terminal: the job was refused for bad data or parameters (together-python `FinetuneJobStatus.STATUS_USER_ERROR`,
  // https://github.com/togethercomputer/together-python/blob/main/src/together/types/finetune.py).
  user_error: 'failed',
  completed: 'succeeded',
};

function toJob(raw: TogetherJob): FineTuneJob {
  const providerStatus = String(raw.status ?? '');
  const status = STATUS[providerStatus] ?? 'running';
  const job: FineTuneJob = { id: raw.id, status, providerStatus, raw };
  const output = raw.model_output_name ?? raw.output_name;
  if (status === 'succeeded' && output) job.fineTunedModel = output;
  if (raw.created_at) job.createdAt = raw.created_at;
  // `token_count` counts the dataset once; a job trains on it once per epoch
  // (https://docs.together.ai/docs/fine-tuning/pricing: total_tokens = n_epochs x tokens_per_training_dataset
  // + n_evals x tokens_per_validation_dataset; we send no validation file).
  if (typeof raw.token_count === 'number') job.trainedTokens = raw.token_count * epochsOf(raw, status);
  if (typeof raw.total_price === 'number') job.providerPrice = raw.total_price / NANODOLLARS_PER_DOLLAR;
  if (status === 'failed') {
    const fromEvents = errorFromEvents((raw.events ?? []).map(toEvent));
    if (fromEvents) job.error = fromEvents;
  }
  return job;
}

/** Epochs the job trained: all it asked for once it completed, else the ones completed so far. */
function epochsOf(raw: TogetherJob, status: FineTuneStatus): number {
  if (status === 'succeeded') return raw.n_epochs ?? raw.epochs_completed ?? 1;
  return raw.epochs_completed ?? 0;
}

function toEvent(e: TogetherEvent): FineTuneEvent {
  const event: FineTuneEvent = { at: e.created_at ?? '', message: e.message ?? e.type ?? '' };
  const level = e.level ?? (/^job_(user_)?error$/i.test(e.type ?? '') ? 'error' : undefined);
  if (level) event.level = level.toLowerCase();
  return event;
}

/** The last error-level event's message: Together's own explanation of a failed job. */
function errorFromEvents(events: FineTuneEvent[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.level === 'error' && events[i]!.message) return events[i]!.message;
  return undefined;
}
