import type { IncomingMessage } from 'node:http';
import type { SimContext } from './context';
import { hashHex } from './hash';
import { ApiError, badRequest, notFound, readBody, type Reply } from './http';
import { isTerminal, jobEvents, jobStatusAt } from './jobs';
import { parseMultipart } from './routes/files';
import { cancelJob, createJob } from './routes/fineTuning';
import { newId, type StoredJob } from './state';

/**
 * The sim in the API shape of Together or Fireworks (config `provider.kind`), so a campaign against those
 * providers runs end to end: fine-tuning through their routes (mapped onto the sim's own jobs and training),
 * continuing from a parent their way, and serving fine-tuned models only the way they do (Together: the name of
 * a STARTED dedicated endpoint; Fireworks: `<model>#accounts/<a>/deployments/<id>` of a READY on-demand
 * deployment). Written from the published references named in lib/providers/capabilities.ts. What real
 * providers refuse, the sim refuses too: a fine-tuned model as Together's `model`, both or neither of
 * Fireworks' `baseModel`/`warmStartFrom`, a parent that does not exist, chat with a fine-tune that is not
 * deployed. Provider-mode state lives in memory (a restarted sim forgets endpoints and deployments).
 */

interface Endpoint {
  id: string;
  name: string;
  displayName: string;
  model: string;
  hardware: string;
  createdAtMs: number;
}

interface FwDeployment {
  id: string;
  baseModel: string;
  createdAtMs: number;
}

/** A provider-shaped create the sim received, for tests that assert request fields. */
export interface ProviderRequestRecord {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

export interface ProviderModeView {
  requests: ProviderRequestRecord[];
  /** Live deployments (Together endpoints, Fireworks deployments): id -> model. */
  deployments: Record<string, string>;
  deploymentsCreated: number;
  deploymentsDeleted: number;
}

export class ProviderMode {
  readonly requests: ProviderRequestRecord[] = [];
  private readonly pendingUploads = new Map<string, { filename: string; content?: Buffer }>();
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly datasets = new Map<string, { state: 'UPLOADING' | 'READY'; fileId?: string; displayName?: string }>();
  private readonly fwJobs = new Map<string, string>();
  private readonly fwDeployments = new Map<string, FwDeployment>();
  /** Jobs created through this mode's routes (sim job ids). */
  private readonly ownJobs = new Set<string>();
  private created = 0;
  private deleted = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly dice: () => number,
  ) {}

  get kind(): 'together' | 'fireworks' {
    return this.ctx.cfg.provider.kind as 'together' | 'fireworks';
  }

  view(): ProviderModeView {
    const deployments: Record<string, string> = {};
    for (const e of this.endpoints.values()) deployments[e.id] = e.model;
    for (const d of this.fwDeployments.values()) deployments[d.id] = d.baseModel;
    return { requests: [...this.requests], deployments, deploymentsCreated: this.created, deploymentsDeleted: this.deleted };
  }

  /** Together's presigned upload URL: a storage host that gets no API key (served before the auth check). */
  isUnauthenticatedUpload(method: string, pathname: string): boolean {
    return this.kind === 'together' && method === 'PUT' && pathname.startsWith('/v1/_upload/');
  }

  async upload(req: IncomingMessage, pathname: string): Promise<Reply> {
    const id = decodeURIComponent(pathname.slice('/v1/_upload/'.length));
    const pending = this.pendingUploads.get(id);
    if (!pending) throw notFound(`no upload slot ${id}`, null, 'not_found');
    pending.content = await readBody(req);
    return { status: 200, raw: Buffer.alloc(0) };
  }

  /** The model id a chat request reaches, or a refusal like the provider's. */
  resolveChatModel(model: string): string {
    if (this.kind === 'together') {
      const endpoint = [...this.endpoints.values()].find((e) => e.name === model);
      if (endpoint) {
        if (this.endpointState(endpoint) !== 'STARTED') throw new ApiError(503, `endpoint ${endpoint.id} is not started yet`, 'server_error', 'model', 'endpoint_not_ready');
        return endpoint.model;
      }
    } else {
      const hash = model.indexOf('#');
      if (hash >= 0) {
        const target = model.slice(0, hash);
        const id = model.slice(hash + 1).split('/').pop() ?? '';
        const d = this.fwDeployments.get(id);
        if (!d || d.baseModel !== target) throw notFound(`Model not found, inaccessible, and/or not deployed: ${model}`, 'model', 'model_not_found');
        if (this.deploymentState(d) !== 'READY') throw new ApiError(503, `deployment ${id} is not ready`, 'server_error', 'model', 'deployment_not_ready');
        return target;
      }
    }
    if (this.ctx.state.models.has(model)) {
      throw notFound(
        this.kind === 'together'
          ? `The model ${model} is not available serverless; create a dedicated endpoint for it and use the endpoint name`
          : `Model ${model} is not deployed: LoRA models serve only on on-demand deployments`,
        'model',
        'model_not_found',
      );
    }
    return model;
  }

  /** Routes of the provider shape; undefined when the request is not one of them. */
  async route(req: IncomingMessage, method: string, p: string[], url: URL, host: string): Promise<Reply | undefined> {
    return this.kind === 'together' ? this.together(req, method, p, url, host) : this.fireworks(req, method, p, url);
  }

  // --- Together: https://docs.together.ai/reference (files, fine-tunes, endpoints) ---

  private async together(req: IncomingMessage, method: string, p: string[], url: URL, host: string): Promise<Reply | undefined> {
    const is = (m: string, ...segments: (string | null)[]) => method === m && p.length === segments.length && segments.every((s, i) => s === null || s === p[i]);
    if (is('POST', 'files')) {
      const form = new URLSearchParams((await readBody(req)).toString('utf8'));
      if (form.get('purpose') !== 'fine-tune') throw badRequest("purpose must be 'fine-tune'", 'purpose');
      const id = newId('file');
      this.pendingUploads.set(id, { filename: form.get('file_name') ?? 'upload.jsonl' });
      return { status: 302, raw: Buffer.alloc(0), headers: { location: `http://${host}/v1/_upload/${id}`, 'x-together-file-id': id } };
    }
    if (is('POST', 'files', null, 'preprocess')) {
      const pending = this.pendingUploads.get(p[1]!);
      if (!pending?.content) throw notFound(`file ${p[1]} was not uploaded`, 'id', 'file_not_found');
      this.ctx.state.addFile({ id: p[1]!, bytes: pending.content.length, created_at: Math.floor(Date.now() / 1000), filename: pending.filename, purpose: 'fine-tune' }, pending.content);
      this.pendingUploads.delete(p[1]!);
      return { status: 200, json: { id: p[1], object: 'file', purpose: 'fine-tune' } };
    }
    if (is('POST', 'fine-tunes')) return this.togetherCreateJob(await jsonBody(req), url);
    if (is('GET', 'fine-tunes')) {
      this.ctx.refresh();
      return { status: 200, json: { data: [...this.ownJobs].map((id) => this.togetherJob(this.job(id))) } };
    }
    if (is('GET', 'fine-tunes', null)) {
      this.ctx.refresh();
      return { status: 200, json: this.togetherJob(this.ownJob(p[1]!)) };
    }
    if (is('GET', 'fine-tunes', null, 'events')) {
      this.ctx.refresh();
      const events = jobEvents(this.ownJob(p[1]!), Date.now()).reverse();
      return { status: 200, json: { data: events.map((e) => ({ created_at: new Date(Number(e.created_at) * 1000).toISOString(), level: e.level, message: e.message })) } };
    }
    if (is('POST', 'fine-tunes', null, 'cancel')) {
      const job = this.ownJob(p[1]!);
      cancelJob(this.ctx, job.id);
      return { status: 200, json: this.togetherJob(job) };
    }
    if (is('POST', 'endpoints')) {
      const body = await jsonBody(req);
      this.requests.push({ method, path: url.pathname, body });
      const { model, hardware, display_name } = body;
      if (typeof model !== 'string' || !model) throw badRequest('model is required', 'model');
      if (typeof hardware !== 'string' || !hardware) throw badRequest('hardware is required', 'hardware');
      this.ctx.refresh();
      if (!this.ctx.catalog.get(model)) throw notFound(`model ${model} not found`, 'model', 'model_not_found');
      const id = `endpoint-${newId('e').slice(2)}`;
      const e: Endpoint = { id, name: `sim-team/${model.replace(/[^A-Za-z0-9._-]+/g, '-')}-${hashHex(id).slice(0, 8)}`, displayName: String(display_name ?? ''), model, hardware, createdAtMs: Date.now() };
      this.endpoints.set(id, e);
      this.created++;
      return { status: 200, json: this.endpointObject(e) };
    }
    if (is('GET', 'endpoints')) return { status: 200, json: { object: 'list', data: [...this.endpoints.values()].map((e) => this.endpointObject(e)) } };
    if (is('GET', 'endpoints', null)) return { status: 200, json: this.endpointObject(this.endpoint(p[1]!)) };
    if (is('DELETE', 'endpoints', null)) {
      this.endpoint(p[1]!);
      this.endpoints.delete(p[1]!);
      this.deleted++;
      return { status: 204, raw: Buffer.alloc(0) };
    }
    return undefined;
  }

  private togetherCreateJob(body: Record<string, unknown>, url: URL): Reply {
    this.requests.push({ method: 'POST', path: url.pathname, body });
    const { model, training_file, suffix, from_checkpoint, n_epochs } = body;
    if (typeof model !== 'string' || !model) throw badRequest('model is required', 'model');
    // `model` is a catalog base model; a fine-tuned model goes in from_checkpoint.
    if (!this.ctx.cfg.models.some((m) => m.id === model)) throw notFound(`model ${model} is not available for fine-tuning (expected a base model from the catalog)`, 'model', 'model_not_found');
    let start = model;
    if (from_checkpoint !== undefined) {
      if (typeof from_checkpoint !== 'string' || !from_checkpoint) throw badRequest('from_checkpoint must be a job id or output model name', 'from_checkpoint');
      const ref = from_checkpoint.split(':')[0]!;
      this.ctx.refresh();
      const parent = this.ownJobs.has(ref) ? this.job(ref) : [...this.ownJobs].map((id) => this.job(id)).find((j) => j.fineTunedModel === ref);
      if (!parent?.fineTunedModel) throw notFound(`checkpoint ${from_checkpoint} not found (no completed fine-tune with that id or output name)`, 'from_checkpoint', 'checkpoint_not_found');
      if (this.ctx.catalog.get(parent.fineTunedModel)?.root !== model) throw badRequest(`checkpoint ${from_checkpoint} was not trained from ${model}`, 'from_checkpoint');
      start = parent.fineTunedModel;
    }
    const created = createJob(
      this.ctx,
      { model: start, training_file, suffix, ...(typeof n_epochs === 'number' ? { method: { type: 'supervised', supervised: { hyperparameters: { n_epochs } } } } : {}) },
      this.dice,
    );
    const id = (created.json as { id: string }).id;
    this.ownJobs.add(id);
    return { status: 200, json: this.togetherJob(this.job(id)) };
  }

  private togetherJob(job: StoredJob): Record<string, unknown> {
    const view = jobStatusAt(job, Date.now());
    const status = { validating_files: 'pending', queued: 'queued', running: 'running', succeeded: 'completed', failed: 'error', cancelled: 'cancelled' }[view.status];
    return {
      id: job.id,
      status,
      model: job.model,
      suffix: job.suffix,
      training_file: job.training_file,
      created_at: new Date(job.createdAtMs).toISOString(),
      ...(view.status === 'succeeded' && job.fineTunedModel ? { model_output_name: job.fineTunedModel } : {}),
      events: view.status === 'failed' ? [{ created_at: new Date().toISOString(), level: 'error', message: view.error?.message ?? 'failed' }] : [],
    };
  }

  private endpointState(e: Endpoint): 'PENDING' | 'STARTED' {
    return Date.now() - e.createdAtMs >= this.ctx.cfg.provider.deploymentSeconds * 1000 ? 'STARTED' : 'PENDING';
  }

  private endpointObject(e: Endpoint): Record<string, unknown> {
    return {
      object: 'endpoint',
      id: e.id,
      name: e.name,
      display_name: e.displayName,
      model: e.model,
      hardware: e.hardware,
      type: 'dedicated',
      owner: 'sim-team',
      state: this.endpointState(e),
      created_at: new Date(e.createdAtMs).toISOString(),
    };
  }

  private endpoint(id: string): Endpoint {
    const e = this.endpoints.get(id);
    if (!e) throw notFound(`endpoint ${id} not found`, 'id', 'not_found');
    return e;
  }

  // --- Fireworks: https://docs.fireworks.ai/api-reference (datasets, supervisedFineTuningJobs, deployments) ---

  private async fireworks(req: IncomingMessage, method: string, p: string[], url: URL): Promise<Reply | undefined> {
    if (p[0] !== 'accounts' || p.length < 3) return undefined;
    const account = p[1]!;
    const r = p.slice(2);
    const is = (m: string, ...segments: (string | null)[]) => method === m && r.length === segments.length && segments.every((s, i) => s === null || s === r[i]);

    if (is('POST', 'datasets')) {
      const body = await jsonBody(req);
      const id = String(body.datasetId ?? '');
      if (!id) throw badRequest('datasetId is required', 'datasetId');
      if (this.datasets.has(id)) throw fwError(409, `dataset ${id} already exists`);
      this.datasets.set(id, { state: 'UPLOADING', displayName: String((body.dataset as { displayName?: unknown })?.displayName ?? id) });
      return { status: 200, json: { name: `accounts/${account}/datasets/${id}`, state: 'UPLOADING' } };
    }
    if (method === 'POST' && r.length === 2 && r[0] === 'datasets' && r[1]!.endsWith(':upload')) {
      const id = r[1]!.slice(0, -':upload'.length);
      const ds = this.datasets.get(id);
      if (!ds) throw fwError(404, `dataset ${id} not found`);
      const { file } = await parseMultipart(req);
      if (!file) throw badRequest('file is required', 'file');
      const fileId = `file-fw-${id}`;
      this.ctx.state.addFile({ id: fileId, bytes: file.content.length, created_at: Math.floor(Date.now() / 1000), filename: file.filename, purpose: 'fine-tune' }, file.content);
      ds.state = 'READY';
      ds.fileId = fileId;
      return { status: 200, json: {} };
    }
    if (is('GET', 'datasets', null)) {
      const ds = this.datasets.get(r[1]!);
      if (!ds) throw fwError(404, `dataset ${r[1]} not found`);
      return { status: 200, json: { name: `accounts/${account}/datasets/${r[1]}`, state: ds.state, status: { code: 'OK', message: '' } } };
    }
    if (is('POST', 'supervisedFineTuningJobs')) {
      const body = await jsonBody(req);
      this.requests.push({ method, path: url.pathname, body });
      const id = url.searchParams.get('supervisedFineTuningJobId') ?? newId('sftj');
      if (this.fwJobs.has(id)) throw fwError(409, `supervisedFineTuningJob ${id} already exists`);
      const { dataset, baseModel, warmStartFrom, displayName, epochs } = body;
      if ((baseModel === undefined) === (warmStartFrom === undefined)) throw fwError(400, 'exactly one of base_model or warm_start_from must be specified');
      const dsId = String(dataset ?? '').split('/').pop() ?? '';
      const ds = this.datasets.get(dsId);
      if (!ds?.fileId || ds.state !== 'READY') throw fwError(400, `dataset ${String(dataset)} is not READY`);
      this.ctx.refresh();
      if (typeof baseModel === 'string' && !this.ctx.cfg.models.some((m) => m.id === baseModel)) throw fwError(404, `base model ${baseModel} not found`);
      if (typeof warmStartFrom === 'string' && !this.ctx.state.models.has(warmStartFrom)) throw fwError(404, `warm start model ${warmStartFrom} not found (it must be a fine-tuned LoRA model)`);
      const start = (warmStartFrom ?? baseModel) as string;
      const created = createJob(
        this.ctx,
        {
          model: start,
          training_file: ds.fileId,
          suffix: typeof displayName === 'string' ? displayName.slice(0, 40) : undefined,
          ...(typeof epochs === 'number' ? { method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: epochs } } } } : {}),
        },
        this.dice,
      );
      this.fwJobs.set(id, (created.json as { id: string }).id);
      return { status: 200, json: this.fwJob(account, id) };
    }
    if (is('GET', 'supervisedFineTuningJobs', null)) {
      this.ctx.refresh();
      return { status: 200, json: this.fwJob(account, r[1]!) };
    }
    if (is('DELETE', 'supervisedFineTuningJobs', null)) {
      const simId = this.fwJobs.get(r[1]!);
      if (!simId) throw fwError(404, `supervisedFineTuningJob ${r[1]} not found`);
      this.ctx.refresh();
      if (!isTerminal(jobStatusAt(this.job(simId), Date.now()).status)) cancelJob(this.ctx, simId);
      this.fwJobs.delete(r[1]!);
      return { status: 200, json: {} };
    }
    if (is('POST', 'deployments')) {
      const body = await jsonBody(req);
      this.requests.push({ method, path: url.pathname, body });
      const id = url.searchParams.get('deploymentId') ?? newId('d').slice(2);
      if (this.fwDeployments.has(id)) throw fwError(409, `deployment ${id} already exists`);
      const baseModel = String(body.baseModel ?? '');
      this.ctx.refresh();
      if (!this.ctx.catalog.get(baseModel)) throw fwError(404, `model ${baseModel} not found`);
      const d: FwDeployment = { id, baseModel, createdAtMs: Date.now() };
      this.fwDeployments.set(id, d);
      this.created++;
      return { status: 200, json: this.fwDeploymentObject(account, d) };
    }
    if (is('GET', 'deployments', null)) {
      const d = this.fwDeployments.get(r[1]!);
      if (!d) throw fwError(404, `deployment ${r[1]} not found`);
      return { status: 200, json: this.fwDeploymentObject(account, d) };
    }
    if (is('DELETE', 'deployments', null)) {
      if (!this.fwDeployments.delete(r[1]!)) throw fwError(404, `deployment ${r[1]} not found`);
      this.deleted++;
      return { status: 200, json: {} };
    }
    return undefined;
  }

  private fwJob(account: string, id: string): Record<string, unknown> {
    const simId = this.fwJobs.get(id);
    if (!simId) throw fwError(404, `supervisedFineTuningJob ${id} not found`);
    const job = this.job(simId);
    const view = jobStatusAt(job, Date.now());
    const state = {
      validating_files: 'JOB_STATE_VALIDATING',
      queued: 'JOB_STATE_PENDING',
      running: 'JOB_STATE_RUNNING',
      succeeded: 'JOB_STATE_COMPLETED',
      failed: 'JOB_STATE_FAILED',
      cancelled: 'JOB_STATE_CANCELLED',
    }[view.status];
    return {
      name: `accounts/${account}/supervisedFineTuningJobs/${id}`,
      state,
      status: view.status === 'failed' ? { code: 'INTERNAL', message: view.error?.message ?? 'failed' } : { code: 'OK', message: '' },
      createTime: new Date(job.createdAtMs).toISOString(),
      ...(view.status === 'succeeded' && job.fineTunedModel ? { outputModel: job.fineTunedModel } : {}),
    };
  }

  private deploymentState(d: FwDeployment): 'CREATING' | 'READY' {
    return Date.now() - d.createdAtMs >= this.ctx.cfg.provider.deploymentSeconds * 1000 ? 'READY' : 'CREATING';
  }

  private fwDeploymentObject(account: string, d: FwDeployment): Record<string, unknown> {
    return {
      name: `accounts/${account}/deployments/${d.id}`,
      displayName: d.id,
      baseModel: d.baseModel,
      state: this.deploymentState(d),
      status: { code: 'OK', message: '' },
      createTime: new Date(d.createdAtMs).toISOString(),
    };
  }

  private job(id: string): StoredJob {
    const job = this.ctx.state.jobs.get(id);
    if (!job) throw notFound(`job ${id} not found`, 'id', 'not_found');
    return job;
  }

  private ownJob(id: string): StoredJob {
    if (!this.ownJobs.has(id)) throw notFound(`fine-tune job ${id} not found`, 'id', 'not_found');
    return this.job(id);
  }
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req)).toString('utf8');
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest('The request body must be a JSON object.');
}

/** Fireworks answers errors as `{code, message}` (gRPC status); 409 = ALREADY_EXISTS, 404 = NOT_FOUND. */
function fwError(status: number, message: string): ApiError {
  return new ApiError(status, message, status === 404 ? 'not_found' : status === 409 ? 'already_exists' : 'invalid_argument');
}
