import { stat } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import type { RoundContext } from '../lib/campaign/types';
import type { ResolvedCampaignConfig } from '../lib/config/load';
import { loadStoredConfig } from '../lib/config/configStore';
import type { ProviderConfig } from '../lib/config/schema';
import { UserError } from '../lib/errors';
import { createLogger, type Logger } from '../lib/log';
import { loadCurriculum } from '../lib/curriculum/load';
import type { Curriculum, Problem } from '../lib/curriculum/types';
import { gradeAnswer } from '../lib/grading';
import { ledgerDatabasePath, openLedgerAt, type Ledger, type LedgerView } from '../lib/ledger';
import { ledgerLocation } from '../lib/storage/ledgerLocation';
import { authHeaderOf, completeChoices, createOpenAIChatProvider, maxTokensFieldOf, type ChatProvider } from '../lib/providers/chat';
import { createFineTuneProvider, type FineTuneProvider } from '../lib/providers/fineTune';
import { LocalLoraAdapters, localJobStore, type LocalProviderConfig } from '../lib/providers/local';
import { reloadAdaptersOnNotFound } from '../lib/providers/local/adapterReload';
import { createServingProvider, type ServingProvider } from '../lib/providers/serving';
import { assertDeclaredRunStore, assertRunStoreFilesystem, openRunStore, runStoreUrlFromEnv, type RunStore } from '../lib/store';
import type { GradeFn } from '../lib/traces';

/**
 * What activities share inside one worker process: the run store, loaded curricula, provider clients
 * (one per provider config, so concurrency and rate limits hold across activities). API keys are read
 * from this process's environment by the clients, never passed in.
 */

const workerLog = createLogger({ component: 'activities' });
/** Log lines of an activity carry the campaign, round and phase, so one campaign's story can be filtered out. */
export function activityLog(ctx: Pick<RoundContext, 'campaign' | 'round'>, phase: string): Logger {
  return workerLog.child({ campaign: ctx.campaign, round: ctx.round, phase });
}

let store: RunStore | undefined;
/**
 * The worker's run store, by URL: STRAWBERRY_RUN_STORE (`file:///path` or `s3://bucket/prefix`), else the
 * directory STRAWBERRY_RUNS_DIR, default `runs/` in the worker's working directory.
 */
export function runStore(): RunStore {
  store ??= openRunStore(runStoreUrlFromEnv());
  return store;
}

const storeChecks = new Map<string, Promise<void>>();
/**
 * The stored config version an activity runs with (its input carries only the hash), once this worker's run
 * store is the one the campaign declares (`storage.runStore`) and not an undeclared network filesystem: a
 * UserError otherwise, which fails the activity without retries.
 */
export async function configOf(ctx: Pick<RoundContext, 'campaign' | 'configHash'>): Promise<ResolvedCampaignConfig> {
  const config = await loadStoredConfig(runStore(), ctx.campaign, ctx.configHash);
  const storage = config.storage;
  assertDeclaredRunStore(runStore(), storage?.runStore, `campaign ${ctx.campaign}`);
  const shared = storage?.sharedFilesystem ?? false;
  let check = storeChecks.get(String(shared));
  if (!check) {
    check = assertRunStoreFilesystem(runStore(), shared);
    storeChecks.set(String(shared), check);
  }
  await check;
  return config;
}

const curricula = new Map<string, { mtimeMs: number; curriculum: Promise<Curriculum> }>();
export async function curriculumAt(file: string): Promise<Curriculum> {
  let mtimeMs: number;
  try {
    ({ mtimeMs } = await stat(file));
  } catch (err) {
    // Retrying cannot fix a curriculum this worker cannot see: block the round and say so.
    throw new UserError(`curriculum ${file} is not readable on this worker (${(err as NodeJS.ErrnoException).code ?? String(err)}); workers must see the path the campaign was started with`);
  }
  const hit = curricula.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.curriculum;
  const curriculum = loadCurriculum(file);
  curricula.set(file, { mtimeMs, curriculum });
  curriculum.catch(() => curricula.delete(file));
  return curriculum;
}

/**
 * The curriculum's problems by id, for ids an earlier step stored. An id the file no longer has means the
 * curriculum changed under a running campaign: a UserError (non-retryable, so the round is `blocked` with this
 * message) rather than a TypeError retried forever.
 */
export function problemIndex(curriculum: Curriculum): (id: string) => Problem {
  const byId = new Map(curriculum.levels.flatMap((l) => l.problems.map((p) => [p.id, p] as const)));
  return (id) => {
    const problem = byId.get(id);
    if (!problem) {
      throw new UserError(
        `${curriculum.path}: no problem with id "${id}", which an earlier step of this round stored; the curriculum changed while the campaign ran (restore it, or unpause to start the round again)`,
      );
    }
    return problem;
  };
}

/** The OpenAI-compatible chat endpoint of a provider (Fireworks serves it under /inference/v1). */
function chatBaseURL(p: ProviderConfig): string {
  // The management API's base may be given with a trailing /v1 (tolerated there too).
  if (p.kind === 'fireworks') return `${p.baseURL.replace(/\/+$/, '').replace(/\/v1$/, '')}/inference/v1`;
  return p.baseURL;
}

/** One activity's view of a provider's chat client. */
export interface ActivityChat extends ChatProvider {
  /** Answers taken from the provider's stored completions instead of paid for again (storedCompletions). */
  adopted(): number;
}

/** The attempt of the activity running now; 1 outside an activity (a test, the CLI). */
function activityAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

const chats = new Map<string, ChatProvider>();
/**
 * The chat client of a provider, for the activity calling this. `served` maps model ids to the names that
 * reach them (a deployment's `<model>#<deployment>`, an endpoint name): requests go to the served name, while
 * ledger keys, registry entries and traces keep the model id, so a redeployment never invalidates what was
 * sampled. With `storedCompletions`, a retried activity (attempt > 1) looks each request up among the
 * provider's stored completions before sending it: its earlier attempt may have been billed for answers that
 * never reached the ledger (a worker killed with requests in flight). Attempt 1 sends no lookup.
 */
export function chatProvider(p: ProviderConfig, served?: Record<string, string>): ActivityChat {
  const client = sharedChatProvider(p);
  const rename = served && Object.keys(served).length > 0 ? served : undefined;
  const adoptStored = p.storedCompletions === true && activityAttempt() > 1;
  let adopted = 0;
  const onAdopted = () => void adopted++;
  return {
    complete: (req, options) =>
      client.complete(rename ? { ...req, model: rename[req.model] ?? req.model } : req, adoptStored ? { ...options, adoptStored: true, onAdopted } : options),
    adopted: () => adopted,
  };
}

function sharedChatProvider(p: ProviderConfig): ChatProvider {
  const key = JSON.stringify(p);
  let client = chats.get(key);
  if (!client) {
    client = createOpenAIChatProvider({
      baseURL: chatBaseURL(p),
      apiKeyEnv: p.apiKeyEnv,
      concurrency: p.concurrency,
      requestsPerMinute: p.requestsPerMinute,
      tokensPerMinute: p.tokensPerMinute,
      timeoutMs: p.timeoutMs,
      maxTokensField: maxTokensFieldOf(p),
      authHeader: authHeaderOf(p),
      storedCompletions: p.storedCompletions === true,
    });
    // Servers that ignore `n`: a short `choices` list is completed with single requests (or `n` is never sent).
    client = completeChoices(client, { singleSampleRequests: p.singleSampleRequests ?? false, label: p.baseURL });
    // A self-hosted server that restarted has forgotten the adapters it loaded at runtime: load them again.
    if (p.kind === 'local') {
      const local = localProviderConfig(p);
      client = reloadAdaptersOnNotFound(client, new LocalLoraAdapters(local, localJobStore(local)));
    }
    chats.set(key, client);
  }
  return client;
}

export function fineTuneProvider(p: ProviderConfig): FineTuneProvider {
  return createFineTuneProvider({
    kind: p.kind,
    baseURL: p.baseURL,
    apiKeyEnv: p.apiKeyEnv ?? '',
    accountId: p.kind === 'fireworks' ? p.accountId : undefined,
    timeoutMs: p.timeoutMs,
    local: p.kind === 'local' ? localProviderConfig(p) : undefined,
    azure: p.kind === 'azure' ? { files: p.files, deployments: p.deployments } : undefined,
  });
}

/** The `local` provider's training and serving settings from its config block. */
export function localProviderConfig(p: Extract<ProviderConfig, { kind: 'local' }>): LocalProviderConfig {
  return { baseURL: p.baseURL, apiKeyEnv: p.apiKeyEnv, train: p.train, serve: p.serve, models: p.models, timeoutMs: p.timeoutMs };
}

/** How a trained model becomes servable (the round's serve phase, teardown and cancel call it). */
export function servingProvider(p: ProviderConfig): ServingProvider {
  return createServingProvider({
    kind: p.kind,
    baseURL: p.baseURL,
    apiKeyEnv: p.apiKeyEnv,
    accountId: p.kind === 'fireworks' ? p.accountId : undefined,
    timeoutMs: p.timeoutMs,
    serving: 'serving' in p ? p.serving : undefined,
    azure: p.kind === 'azure' ? { files: p.files, deployments: p.deployments } : undefined,
    local: p.kind === 'local' ? localProviderConfig(p) : undefined,
  });
}

export function grader(answerType: Curriculum['answerType']): GradeFn {
  return (completion, gold) => gradeAnswer(completion, gold, answerType);
}

const ledgers = new Map<string, { ledger: Promise<Ledger>; ino: number | undefined }>();
/**
 * The campaign's sample ledger, opened once per worker process and shared by all its activities, so their appends
 * are group-committed together; `shard` labels what this activity writes. Where it lives: the config's
 * `storage.ledger`, else STRAWBERRY_LEDGER, else SQLite in the run store (`<campaign>/ledger/ledger.sqlite`);
 * see lib/storage/ledgerLocation.ts.
 */
export async function openLedger(campaign: string, shard: string, storage?: { ledger?: string }): Promise<LedgerView> {
  const location = ledgerLocation(runStore(), campaign, storage?.ledger);
  const id = location.kind === 'postgres' ? `${location.url}#${campaign}` : location.dir;
  // A SQLite database removed or replaced under a running worker (a campaign's run store deleted and started
  // again) is opened anew, not written through a stale handle (which is left to activities still using it).
  const db = location.kind === 'sqlite' ? ledgerDatabasePath(location.dir) : undefined;
  let hit = ledgers.get(id);
  if (hit && db && hit.ino !== undefined) {
    const ino = await stat(db).then((s) => s.ino, () => undefined);
    if (ino !== hit.ino && ledgers.get(id) === hit) ledgers.delete(id);
    hit = ledgers.get(id);
  }
  if (!hit) {
    const entry: { ledger: Promise<Ledger>; ino: number | undefined } = { ledger: openLedgerAt(location, { shard: 'worker' }), ino: undefined };
    ledgers.set(id, entry);
    entry.ledger.then(
      () => db && stat(db).then((s) => void (entry.ino = s.ino), () => undefined),
      () => ledgers.get(id) === entry && ledgers.delete(id),
    );
    hit = entry;
  }
  return (await hit.ledger).view(shard);
}
