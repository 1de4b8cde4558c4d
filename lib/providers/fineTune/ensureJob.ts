import { createLogger } from '../../log';
import type { RunStore } from '../../store';
import { keySlug } from '../businessKey';
import { ProviderRequestError } from '../errors';
import type { CreateJobRequest, FineTuneJob, FineTuneProvider } from '../types';

/** What is persisted before a job is created, and completed with the job id once it is known. */
export interface FineTuneIntent {
  key: string;
  provider: FineTuneProvider['kind'];
  requestedAt: string;
  /** The create request (it holds no secrets: keys live in the environment). */
  request: Omit<CreateJobRequest, 'key'>;
  job?: { id: string; how: 'created' | 'adopted'; at: string };
  /** Set when listing by key found more than one job: the oldest was adopted. */
  duplicates?: string[];
}

export interface EnsureJobResult {
  job: FineTuneJob;
  /** True when an existing job was found by key instead of being created by this call. */
  adopted: boolean;
  /** Store-relative path of the intent record. */
  intentPath: string;
}

export interface EnsureJobOptions {
  /** Where the intent lives in the run store; default `fine-tune-intents/<key slug>.json`. */
  intentPath?: string;
  now?: () => Date;
}

const log = createLogger({ component: 'fineTune' });

/** The default, deterministic intent path of a business key. */
export function intentPathForKey(key: string): string {
  return `fine-tune-intents/${keySlug(key, 80)}.json`;
}

/**
 * Exactly one fine-tuning job per business key, across retries, crashes and lost responses:
 * 1. if the intent records a job id, that job is the answer;
 * 2. otherwise the intent is persisted (before anything is created), then jobs are listed by key and an
 *    existing one is adopted;
 * 3. otherwise the job is created once, without retries; if the create fails in a way that leaves doubt
 *    (timeout, 5xx, network), jobs are listed by key again and what exists is adopted before rethrowing.
 * The adopted or created job id is written next to the intent.
 */
export async function ensureJob(
  provider: FineTuneProvider,
  intentStore: RunStore,
  req: CreateJobRequest,
  opts: EnsureJobOptions = {},
): Promise<EnsureJobResult> {
  const now = opts.now ?? (() => new Date());
  const intentPath = opts.intentPath ?? intentPathForKey(req.key);

  let intent: FineTuneIntent | undefined;
  if (await intentStore.exists(intentPath)) intent = await intentStore.readJson<FineTuneIntent>(intentPath);

  if (intent?.job?.id) {
    return { job: await provider.getJob(intent.job.id), adopted: true, intentPath };
  }

  if (!intent) {
    const { key, ...request } = req;
    intent = { key, provider: provider.kind, requestedAt: now().toISOString(), request };
    await intentStore.writeJsonAtomic(intentPath, intent);
  } else if (intent.key !== req.key) {
    throw new Error(`fine-tune intent ${intentPath} belongs to key ${intent.key}, not ${req.key}`);
  }

  const record = async (job: FineTuneJob, how: 'created' | 'adopted', duplicates?: string[]): Promise<void> => {
    const done: FineTuneIntent = { ...intent!, job: { id: job.id, how, at: now().toISOString() } };
    if (duplicates?.length) done.duplicates = duplicates;
    await intentStore.writeJsonAtomic(intentPath, done);
  };

  const adoptExisting = async (): Promise<FineTuneJob | undefined> => {
    const found = await provider.findJobsByKey(req.key);
    if (found.length === 0) return undefined;
    const [oldest, ...others] = found;
    if (others.length) log.warn({ key: req.key, jobs: found.map((j) => j.id) }, 'several jobs carry this key; adopting the oldest');
    await record(oldest!, 'adopted', others.map((j) => j.id));
    return oldest;
  };

  const existing = await adoptExisting();
  if (existing) return { job: existing, adopted: true, intentPath };

  let created: FineTuneJob;
  try {
    created = await provider.createJob(req);
  } catch (err) {
    // A definite refusal created nothing. Anything else may have created the job before the answer was lost.
    if (!(err instanceof ProviderRequestError)) {
      let adopted: FineTuneJob | undefined;
      try {
        adopted = await adoptExisting();
      } catch (listErr) {
        log.warn({ key: req.key, err: (listErr as Error).message }, 'listing jobs by key after a failed create also failed');
      }
      if (adopted) {
        log.info({ key: req.key, job: adopted.id }, 'create failed but the job exists; adopted it');
        return { job: adopted, adopted: true, intentPath };
      }
    }
    throw err;
  }
  await record(created, 'created');
  return { job: created, adopted: false, intentPath };
}
