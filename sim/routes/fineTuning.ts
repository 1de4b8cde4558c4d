import type { SimContext } from '../context';
import { hashUnit } from '../hash';
import { ApiError, badRequest, notFound, type Reply } from '../http';
import { isTerminal, jobEvents, jobObject, jobStatusAt, validateJobFiles } from '../jobs';
import { newId, type JobHyperparameters, type StoredJob } from '../state';

/** POST /v1/fine_tuning/jobs */
export function createJob(ctx: SimContext, body: Record<string, unknown>, dice: () => number): Reply {
  const { model, training_file, validation_file, suffix, seed, metadata } = body;
  if (typeof model !== 'string' || model === '') throw badRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  if (typeof training_file !== 'string' || training_file === '') throw badRequest("Missing required parameter: 'training_file'.", 'training_file', 'missing_required_parameter');
  if (validation_file !== undefined && validation_file !== null && typeof validation_file !== 'string') throw badRequest("Invalid type for 'validation_file': expected a string.", 'validation_file', 'invalid_type');
  if (suffix !== undefined && suffix !== null && (typeof suffix !== 'string' || suffix.length > 64)) throw badRequest("Invalid 'suffix': expected a string of at most 64 characters.", 'suffix', 'invalid_value');
  if (seed !== undefined && seed !== null && (typeof seed !== 'number' || !Number.isInteger(seed))) throw badRequest("Invalid type for 'seed': expected an integer.", 'seed', 'invalid_type');
  const meta = checkMetadata(metadata);
  ctx.refresh();
  if (!ctx.catalog.get(model)) throw notFound(`Model ${model} is not available for fine-tuning or does not exist.`, 'model', 'model_not_found');
  for (const [param, id] of [
    ['training_file', training_file],
    ['validation_file', validation_file],
  ] as const) {
    if (typeof id !== 'string') continue;
    const f = ctx.state.files.get(id);
    if (!f) throw badRequest(`invalid ${param}: ${id} (no such file)`, param, 'file_not_found');
    if (f.purpose !== 'fine-tune') throw badRequest(`invalid ${param}: ${id} has purpose '${f.purpose}', expected 'fine-tune'`, param, 'invalid_file_purpose');
  }
  const { hyperparameters, dpo } = readMethod(body);
  const outputModel = typeof body.output_model === 'string' ? body.output_model : undefined;
  if (outputModel !== undefined && (ctx.state.models.has(outputModel) || ctx.catalog.get(outputModel))) throw badRequest(`output model ${outputModel} already exists`, 'output_model', 'invalid_value');
  const id = newId('ftjob');
  const validationFile = typeof validation_file === 'string' ? validation_file : null;
  const j = ctx.cfg.jobs;
  const job: StoredJob = {
    id,
    createdAtMs: Date.now(),
    model,
    training_file,
    validation_file: validationFile,
    suffix: typeof suffix === 'string' && suffix !== '' ? suffix : null,
    seed: typeof seed === 'number' ? seed : Math.floor(hashUnit(id, 'seed') * 2 ** 31),
    metadata: meta,
    hyperparameters,
    ...(dpo ? { method: dpo } : {}),
    ...(outputModel ? { outputModel } : {}),
    validatingMs: j.validatingSeconds * 1000,
    queuedMs: j.queuedSeconds * 1000,
    runningMs: j.runningSeconds * 1000,
    validationError: validateJobFiles(ctx.state, training_file, validationFile, ctx.cfg, dpo !== undefined),
    failure: dice() < j.failureRate ? { atFraction: 0.5, error: { code: j.failureCode, message: 'The fine-tuning job failed (simulated provider failure).', param: null } } : null,
    cancelledAtMs: null,
    fineTunedModel: null,
    trainedTokens: null,
  };
  ctx.state.jobs.set(id, job);
  ctx.state.save();
  ctx.stats.jobsCreated++;
  return { status: 200, json: jobObject(job, Date.now()) };
}

/** GET /v1/fine_tuning/jobs?limit=&after=&metadata[k]=v (newest first). */
export function listJobs(ctx: SimContext, query: URLSearchParams): Reply {
  ctx.refresh();
  const limit = queryInt(query.get('limit'), 'limit', 20);
  const filter = new Map<string, string>();
  let onlyWithoutMetadata = false;
  for (const [k, v] of query) {
    const m = /^metadata\[(.+)\]$/.exec(k);
    if (m) filter.set(m[1]!, v);
    else if (k === 'metadata' && v === 'null') onlyWithoutMetadata = true;
  }
  let jobs = [...ctx.state.jobs.values()].map((j, i) => ({ j, i })).sort((a, b) => b.j.createdAtMs - a.j.createdAtMs || b.i - a.i).map(({ j }) => j);
  if (onlyWithoutMetadata) jobs = jobs.filter((j) => !j.metadata || Object.keys(j.metadata).length === 0);
  if (filter.size) jobs = jobs.filter((j) => [...filter].every(([k, v]) => j.metadata?.[k] === v));
  const after = query.get('after');
  if (after) {
    const at = jobs.findIndex((j) => j.id === after);
    jobs = at >= 0 ? jobs.slice(at + 1) : [];
  }
  const now = Date.now();
  return { status: 200, json: { object: 'list', data: jobs.slice(0, limit).map((j) => jobObject(j, now)), has_more: jobs.length > limit } };
}

export function getJob(ctx: SimContext, id: string): Reply {
  ctx.refresh();
  return { status: 200, json: jobObject(findJob(ctx, id), Date.now()) };
}

export function listJobEvents(ctx: SimContext, id: string, query: URLSearchParams): Reply {
  ctx.refresh();
  const job = findJob(ctx, id);
  const limit = queryInt(query.get('limit'), 'limit', 20);
  let events = jobEvents(job, Date.now());
  const after = query.get('after');
  if (after) {
    const at = events.findIndex((e) => e.id === after);
    events = at >= 0 ? events.slice(at + 1) : [];
  }
  return { status: 200, json: { object: 'list', data: events.slice(0, limit), has_more: events.length > limit } };
}

export function cancelJob(ctx: SimContext, id: string): Reply {
  ctx.refresh();
  const job = findJob(ctx, id);
  const now = Date.now();
  const status = jobStatusAt(job, now).status;
  if (isTerminal(status)) throw new ApiError(400, `Job ${id} has already ${status === 'succeeded' ? 'completed' : status} and cannot be cancelled.`, 'invalid_request_error', 'fine_tuning_job_id', 'job_not_cancellable');
  job.cancelledAtMs = now;
  ctx.state.save();
  ctx.stats.jobsCancelled++;
  return { status: 200, json: jobObject(job, now) };
}

function findJob(ctx: SimContext, id: string): StoredJob {
  const job = ctx.state.jobs.get(id);
  if (!job) throw notFound(`Could not find fine-tune: ${id}`, 'fine_tuning_job_id', 'fine_tune_not_found');
  return job;
}

function checkMetadata(v: unknown): Record<string, string> | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest("Invalid type for 'metadata': expected an object of strings.", 'metadata', 'invalid_type');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 16) throw badRequest("Invalid 'metadata': at most 16 keys.", 'metadata', 'invalid_value');
  for (const [k, val] of entries) {
    if (k.length > 64) throw badRequest(`Invalid 'metadata': key '${k.slice(0, 20)}…' is longer than 64 characters.`, 'metadata', 'invalid_value');
    if (typeof val !== 'string' || val.length > 512) throw badRequest(`Invalid 'metadata.${k}': expected a string of at most 512 characters.`, `metadata.${k}`, 'invalid_value');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * Hyperparameters from `method.supervised.hyperparameters` (or the deprecated top-level `hyperparameters`), or
 * for `method: {type: "dpo", dpo: {hyperparameters: {beta, ...}}}` from `method.dpo.hyperparameters`
 * (https://platform.openai.com/docs/api-reference/fine-tuning/create, `method`; beta `auto` = 0.1).
 */
function readMethod(body: Record<string, unknown>): { hyperparameters: JobHyperparameters; dpo?: { type: 'dpo'; beta: number } } {
  const method = body.method as { type?: unknown; supervised?: { hyperparameters?: unknown }; dpo?: { hyperparameters?: unknown } } | undefined;
  if (method !== undefined && (typeof method !== 'object' || method === null || (method.type !== undefined && method.type !== 'supervised' && method.type !== 'dpo')))
    throw badRequest("Invalid 'method': the sim supports { type: 'supervised' } and { type: 'dpo' }.", 'method.type', 'invalid_value');
  const dpo = method?.type === 'dpo';
  const where = dpo ? 'method.dpo.hyperparameters' : 'method.supervised.hyperparameters';
  const hp = ((dpo ? method?.dpo?.hyperparameters : (method?.supervised?.hyperparameters ?? body.hyperparameters)) ?? {}) as Record<string, unknown>;
  const pick = (name: keyof JobHyperparameters | 'beta', check: (n: number) => boolean): 'auto' | number => {
    const v = hp[name];
    if (v === undefined || v === null || v === 'auto') return 'auto';
    if (typeof v !== 'number' || !check(v)) throw badRequest(`Invalid value for hyperparameter '${name}': ${JSON.stringify(v)}.`, `${where}.${name}`, 'invalid_value');
    return v;
  };
  const hyperparameters: JobHyperparameters = {
    batch_size: pick('batch_size', (n) => Number.isInteger(n) && n >= 1 && n <= 256),
    learning_rate_multiplier: pick('learning_rate_multiplier', (n) => n > 0),
    n_epochs: pick('n_epochs', (n) => Number.isInteger(n) && n >= 1 && n <= 50),
  };
  if (!dpo) return { hyperparameters };
  const beta = pick('beta', (n) => n > 0 && n <= 2);
  return { hyperparameters, dpo: { type: 'dpo', beta: beta === 'auto' ? 0.1 : beta } };
}

function queryInt(v: string | null, name: string, dflt: number): number {
  if (v === null) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw badRequest(`Invalid '${name}': expected an integer from 1 to 100.`, name, 'invalid_value');
  return n;
}
