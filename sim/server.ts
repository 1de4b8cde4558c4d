import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadCurriculum } from '../lib/curriculum/load';
import type { Curriculum } from '../lib/curriculum/types';
import { gradeAnswer } from '../lib/grading';
import { boxedIsCorrect } from './answers';
import { loadSimConfig, parseSimConfig, type SimConfig, type SimConfigInput } from './config';
import { emptyStats, FIXED_EPOCH, type ServedModel, type SimContext, type SimStats } from './context';
import { seededDice } from './hash';
import { ApiError, readBody, send, type Reply } from './http';
import { materialiseJobs } from './jobs';
import { providerMode, type ProviderMode, type ProviderModeView } from './providers';
import { RateLimiter } from './limits';
import { ProblemIndex } from './problems';
import { createChatCompletion } from './routes/chat';
import { getStoredCompletion, listStoredCompletions } from './routes/storedCompletions';
import { createFile, getFile, getFileContent } from './routes/files';
import { cancelJob, createJob, getJob, listJobEvents, listJobs } from './routes/fineTuning';
import { getModel, listModels } from './routes/models';
import { SimState } from './state';

export interface StartSimOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Curriculum files (or already-loaded curricula) whose problems the sim knows. */
  curricula: readonly (string | Curriculum)[];
  /** A sim config (object, validated and completed with defaults) or the path of a YAML file. */
  config?: SimConfigInput | SimConfig | string;
  /** Directory to persist files, jobs and trained models in; without it the state lives in memory. */
  stateDir?: string;
}

export interface RunningSim {
  /** `http://127.0.0.1:PORT/v1`, what an OpenAI client takes as baseURL. */
  baseURL: string;
  port: number;
  config: SimConfig;
  stats(): SimStats;
  /** Together/Fireworks mode: the provider-shaped creates received and the live deployments; undefined in openai mode. */
  provider(): ProviderModeView | undefined;
  /** Stops serving (open and hung connections are closed) and persists the state. */
  close(): Promise<void>;
}

/** Starts the simulated OpenAI-compatible provider in this process. */
export async function startSim(opts: StartSimOptions): Promise<RunningSim> {
  const cfg = typeof opts.config === 'string' ? loadSimConfig(opts.config) : parseSimConfig(opts.config ?? {});
  const curricula = await Promise.all(opts.curricula.map((c) => (typeof c === 'string' ? loadCurriculum(c) : c)));
  const problems = new ProblemIndex(curricula);
  const state = new SimState(opts.stateDir);
  const stats = emptyStats();
  const dice = seededDice(cfg.faults.seed);
  const timers = new Set<NodeJS.Timeout>();

  const bases = new Map<string, ServedModel>(cfg.models.map((m) => [m.id, { ...m, created: FIXED_EPOCH, root: m.id, ownedBy: 'sim' }]));
  const catalog: SimContext['catalog'] = {
    get(id) {
      const base = bases.get(id);
      if (base) return base;
      const m = state.models.get(id);
      return m && { id: m.id, created: m.created, root: m.root, ownedBy: 'sim', abilities: m.abilities, defaultAbility: m.defaultAbility };
    },
    lookup(id) {
      return this.get(id);
    },
    list() {
      return [...bases.values(), ...[...state.models.keys()].map((id) => this.get(id)!)];
    },
  };

  const ctx: SimContext = {
    cfg,
    state,
    problems,
    limiter: new RateLimiter(cfg),
    stats,
    catalog,
    isCorrect: gradeTrainingExample,
    refresh() {
      if (materialiseJobs(state, Date.now(), catalog, problems, cfg, ctx.isCorrect)) state.save();
    },
    sleep(ms) {
      return new Promise((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, ms);
        timers.add(t);
      });
    },
  };
  const mode = providerMode(ctx, dice);
  ctx.refresh();
  // Jobs finish by the clock even when nobody polls them, so trained models appear in /v1/models on time.
  const ticker = setInterval(() => ctx.refresh(), 100);
  ticker.unref();

  const server = createServer((req, res) => {
    handle(ctx, req, res, dice, timers, mode).catch((err: unknown) => {
      if (!res.headersSent) send(res, errorReply(err));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    config: cfg,
    stats: () => ({ ...stats }),
    provider: () => mode?.view(),
    close() {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(ticker);
        for (const t of timers) clearTimeout(t);
        timers.clear();
        ctx.refresh();
        state.save();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** Whether a training example's final answer is the gold: the project's grader, the sim's own compare if it fails. */
function gradeTrainingExample(text: string, gold: string, answerType: 'number' | 'latex'): boolean {
  try {
    return gradeAnswer(text, gold, answerType).correct;
  } catch {
    return boxedIsCorrect(text, gold);
  }
}

function errorReply(err: unknown): Reply {
  if (err instanceof ApiError) return { status: err.status, json: err.body(), headers: err.headers };
  const e = new ApiError(500, `The sim had an internal error: ${err instanceof Error ? err.message : String(err)}`, 'server_error', null, 'server_error');
  return { status: 500, json: e.body() };
}

async function handle(ctx: SimContext, req: IncomingMessage, res: ServerResponse, dice: () => number, timers: Set<NodeJS.Timeout>, mode?: ProviderMode): Promise<void> {
  ctx.stats.requests++;
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  let reply: Reply;
  let malformed = false;
  let answerAt = 0;
  try {
    if (mode?.isUnauthenticatedUpload(method, url.pathname)) {
      send(res, await mode.upload(req, url.pathname));
      return;
    }
    const auth = req.headers.authorization ?? '';
    const key = mode ? mode.apiKey(req, url.pathname) : /^Bearer\s+(.*)$/i.exec(auth)?.[1]?.trim();
    if (!key)
      throw new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). The sim accepts any non-empty key.",
        'invalid_request_error',
        null,
        'invalid_api_key',
      );
    const f = ctx.cfg.faults;
    // The answer leaves latencyMs after the request arrived, the sim's own work included (below): a provider's
    // latency is its time to answer, and a burst of requests must not queue behind the sim's one thread.
    answerAt = Date.now() + f.latencyMs;
    if (f.hangRate > 0 && dice() < f.hangRate) {
      ctx.stats.hangs++;
      req.resume();
      const t = setTimeout(() => {
        timers.delete(t);
        res.destroy();
      }, f.hangSeconds * 1000);
      timers.add(t);
      return;
    }
    if (f.errorRate > 0 && dice() < f.errorRate) {
      ctx.stats.serverErrors++;
      req.resume();
      throw new ApiError(500, 'The server had an error while processing your request. Sorry about that! (simulated fault)', 'server_error', null, 'server_error');
    }
    malformed = f.malformedRate > 0 && dice() < f.malformedRate;
    reply = await route(ctx, req, method, url, dice, mode);
    if (malformed && reply.status === 200 && reply.json !== undefined) ctx.stats.malformed++;
  } catch (err) {
    if (err instanceof ApiError && err.status === 429) ctx.stats.rateLimited++;
    reply = errorReply(err);
  }
  const wait = answerAt - Date.now();
  if (wait > 0) await ctx.sleep(wait);
  send(res, reply, malformed);
}

async function route(ctx: SimContext, req: IncomingMessage, method: string, url: URL, dice: () => number, mode?: ProviderMode): Promise<Reply> {
  let parts: string[];
  try {
    parts = url.pathname.replace(/\/+$/, '').split('/').map(decodeURIComponent);
  } catch {
    // A malformed %-escape names nothing the sim holds: a 404 like any unknown URL, not an internal error.
    throw invalidUrl(method, url);
  }
  // Routes outside /v1 of a provider shape (Azure's control plane).
  const outside = await mode?.routeOutsideV1(req, method, parts, url);
  if (outside) return outside;
  // Fireworks serves chat under /inference/v1, its management API under /v1; Azure its v1 API under /openai/v1.
  const inference = mode?.kind === 'fireworks' && parts[1] === 'inference' && parts[2] === 'v1';
  const azure = mode?.kind === 'azure';
  if (azure ? parts[1] !== 'openai' || parts[2] !== 'v1' : parts[1] !== 'v1' && !inference) throw invalidUrl(method, url);
  const p = parts.slice(inference || azure ? 3 : 2);
  const is = (m: string, ...segments: (string | null)[]) => method === m && p.length === segments.length && segments.every((s, i) => s === null || s === p[i]);

  if (is('POST', 'chat', 'completions')) {
    const raw = (await readBody(req)).toString('utf8');
    const body = parseJsonObject(raw);
    if (mode && typeof body.model === 'string' && body.model) body.model = mode.resolveChatModel(body.model);
    return createChatCompletion(ctx, body, raw);
  }
  if (inference) throw invalidUrl(method, url);
  // Stored completions: OpenAI's API and Azure's v1 API; Together and Fireworks have none.
  if (!mode || azure) {
    if (is('GET', 'chat', 'completions')) return listStoredCompletions(ctx, url.searchParams);
    if (is('GET', 'chat', 'completions', null)) return getStoredCompletion(ctx, p[2]!);
  }
  if (mode) {
    const reply = await mode.route(req, method, p, url, req.headers.host ?? '127.0.0.1');
    if (reply) return reply;
  }
  if (is('GET', 'models')) return listModels(ctx);
  if (method === 'GET' && p[0] === 'models' && p.length >= 2) return getModel(ctx, p.slice(1).join('/'));
  if (is('POST', 'files')) return createFile(ctx, req);
  if (is('GET', 'files', null)) return getFile(ctx, p[1]!);
  if (is('GET', 'files', null, 'content')) return getFileContent(ctx, p[1]!);
  if (is('POST', 'fine_tuning', 'jobs')) return createJob(ctx, parseJsonObject((await readBody(req)).toString('utf8')), dice);
  if (is('GET', 'fine_tuning', 'jobs')) return listJobs(ctx, url.searchParams);
  if (is('GET', 'fine_tuning', 'jobs', null)) return getJob(ctx, p[2]!);
  if (is('GET', 'fine_tuning', 'jobs', null, 'events')) return listJobEvents(ctx, p[2]!, url.searchParams);
  if (is('POST', 'fine_tuning', 'jobs', null, 'cancel')) return cancelJob(ctx, p[2]!);
  throw invalidUrl(method, url);
}

function invalidUrl(method: string, url: URL): ApiError {
  return new ApiError(404, `Invalid URL (${method} ${url.pathname})`, 'invalid_request_error', null, 'unknown_url');
}

function parseJsonObject(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ApiError(400, 'We could not parse the JSON body of your request. The sim expects a JSON payload.', 'invalid_request_error');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError(400, 'The request body must be a JSON object.', 'invalid_request_error');
  return parsed as Record<string, unknown>;
}
