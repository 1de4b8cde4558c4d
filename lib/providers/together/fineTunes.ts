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
  token_count?: number;
  total_price?: number;
}

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
    // `model` is always the catalog base model; a later round continues from the parent's job with
    // `from_checkpoint` (the job id, or the output model name; without `:step` the final checkpoint is
    // used). https://docs.together.ai/reference/post-fine-tunes (`model`, `from_checkpoint`),
    // https://docs.together.ai/docs/fine-tuning-continue
    const body: Record<string, unknown> = {
      model: req.baseModel,
      training_file: req.trainingFileId,
      suffix: togetherSuffixForKey(req.key),
    };
    if (req.parent) body.from_checkpoint = req.parent.jobId ?? req.parent.model;
    if (hp.nEpochs !== undefined) body.n_epochs = hp.nEpochs;
    if (hp.learningRate !== undefined) body.learning_rate = hp.learningRate;
    if (hp.batchSize !== undefined) body.batch_size = hp.batchSize;
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
  completed: 'succeeded',
};

function toJob(raw: TogetherJob): FineTuneJob {
  const providerStatus = String(raw.status ?? '');
  const status = STATUS[providerStatus] ?? 'running';
  const job: FineTuneJob = { id: raw.id, status, providerStatus, raw };
  const output = raw.model_output_name ?? raw.output_name;
  if (status === 'succeeded' && output) job.fineTunedModel = output;
  if (raw.created_at) job.createdAt = raw.created_at;
  if (typeof raw.token_count === 'number') job.trainedTokens = raw.token_count;
  if (typeof raw.total_price === 'number') job.providerPrice = raw.total_price;
  if (status === 'failed') {
    const fromEvents = errorFromEvents((raw.events ?? []).map(toEvent));
    if (fromEvents) job.error = fromEvents;
  }
  return job;
}

function toEvent(e: TogetherEvent): FineTuneEvent {
  const event: FineTuneEvent = { at: e.created_at ?? '', message: e.message ?? e.type ?? '' };
  const level = e.level ?? (e.type === 'JOB_ERROR' || e.type === 'job_error' ? 'error' : undefined);
  if (level) event.level = level.toLowerCase();
  return event;
}

/** The last error-level event's message: Together's own explanation of a failed job. */
function errorFromEvents(events: FineTuneEvent[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.level === 'error' && events[i]!.message) return events[i]!.message;
  return undefined;
}
