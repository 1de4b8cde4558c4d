import type { IncomingMessage } from 'node:http';
import { hashHex } from '../hash';
import { ApiError, badRequest, notFound, readBody, type Reply } from '../http';
import { jobEvents, jobStatusAt } from '../jobs';
import { cancelJob, createJob } from '../routes/fineTuning';
import { newId, type StoredJob } from '../state';
import { jsonBody, ProviderMode } from './providerMode';

// Together: https://docs.together.ai/reference (files, fine-tunes, endpoints)

interface Endpoint {
  id: string;
  name: string;
  displayName: string;
  model: string;
  hardware: string;
  createdAtMs: number;
  /** Ends FAILED instead of STARTED (sim config provider.deploymentFailureRate). */
  fails: boolean;
}

export class TogetherMode extends ProviderMode {
  readonly kind = 'together' as const;
  private readonly pendingUploads = new Map<string, { filename: string; content?: Buffer }>();
  private readonly endpoints = new Map<string, Endpoint>();

  protected liveDeployments(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.endpoints.values()) out[e.id] = e.model;
    return out;
  }

  /** Together's presigned upload URL: a storage host that gets no API key (served before the auth check). */
  override isUnauthenticatedUpload(method: string, pathname: string): boolean {
    return method === 'PUT' && pathname.startsWith('/v1/_upload/');
  }

  override async upload(req: IncomingMessage, pathname: string): Promise<Reply> {
    const id = decodeURIComponent(pathname.slice('/v1/_upload/'.length));
    const pending = this.pendingUploads.get(id);
    if (!pending) throw notFound(`no upload slot ${id}`, null, 'not_found');
    pending.content = await readBody(req);
    return { status: 200, raw: Buffer.alloc(0) };
  }

  resolveChatModel(model: string): string {
    const endpoint = [...this.endpoints.values()].find((e) => e.name === model);
    if (endpoint) {
      if (this.endpointState(endpoint) !== 'STARTED') throw new ApiError(503, `endpoint ${endpoint.id} is not started yet`, 'server_error', 'model', 'endpoint_not_ready');
      return endpoint.model;
    }
    // Serverless LoRA inference only for fine-tunes of the listed bases (https://docs.together.ai/docs/adapter-upload).
    const trained = this.ctx.state.models.get(model);
    if (trained && !this.ctx.cfg.provider.serverlessLoraBases.includes(trained.root)) {
      throw notFound(`The model ${model} is not available serverless (its base ${trained.root} is not one Together serves LoRA fine-tunes of); create a dedicated endpoint for it and use the endpoint name`, 'model', 'model_not_found');
    }
    return model;
  }

  async route(req: IncomingMessage, method: string, p: string[], url: URL, host: string): Promise<Reply | undefined> {
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
      const e: Endpoint = {
        id,
        name: `sim-team/${model.replace(/[^A-Za-z0-9._-]+/g, '-')}-${hashHex(id).slice(0, 8)}`,
        displayName: String(display_name ?? ''),
        model,
        hardware,
        createdAtMs: Date.now(),
        fails: this.dice() < this.ctx.cfg.provider.deploymentFailureRate,
      };
      this.endpoints.set(id, e);
      this.created++;
      return { status: 200, json: this.endpointObject(e) };
    }
    if (is('GET', 'endpoints')) return { status: 200, json: { object: 'list', data: [...this.endpoints.values()].map((e) => this.listedEndpoint(e)) } };
    if (is('GET', 'endpoints', null)) return { status: 200, json: this.endpointObject(this.endpoint(p[1]!)) };
    if (is('DELETE', 'endpoints', null)) {
      this.endpoint(p[1]!);
      this.endpoints.delete(p[1]!);
      this.deleted++;
      return { status: 204, raw: Buffer.alloc(0) };
    }
    return undefined;
  }

  /**
   * POST /fine-tunes (https://docs.together.ai/reference/post-fine-tunes). Round 1 names the base `model`; a
   * continuation names only `from_checkpoint`: the official SDK refuses both at once (together-python
   * `create_finetune_request`), and so does the sim. `n_epochs` defaults to 1, `random_seed` to 42.
   */
  private togetherCreateJob(body: Record<string, unknown>, url: URL): Reply {
    this.requests.push({ method: 'POST', path: url.pathname, body });
    const { model, training_file, suffix, from_checkpoint, n_epochs, random_seed, training_method } = body;
    const dpo = togetherDpo(training_method);
    if (model !== undefined && from_checkpoint !== undefined) throw badRequest('You must specify either a model or a checkpoint to start a job from, not both', 'from_checkpoint');
    if (model === undefined && from_checkpoint === undefined) throw badRequest('You must specify either a model or a checkpoint', 'model');
    if (random_seed !== undefined && random_seed !== null && !Number.isInteger(random_seed)) throw badRequest('random_seed must be an integer', 'random_seed');
    if (n_epochs !== undefined && (!Number.isInteger(n_epochs) || (n_epochs as number) < 1)) throw badRequest('n_epochs must be a positive integer', 'n_epochs');
    let start: string;
    if (from_checkpoint !== undefined) {
      if (typeof from_checkpoint !== 'string' || !from_checkpoint) throw badRequest('from_checkpoint must be a job id or output model name', 'from_checkpoint');
      const ref = from_checkpoint.split(':')[0]!;
      this.ctx.refresh();
      const parent = this.ownJobs.has(ref) ? this.job(ref) : [...this.ownJobs].map((id) => this.job(id)).find((j) => j.fineTunedModel === ref);
      if (!parent?.fineTunedModel) throw notFound(`checkpoint ${from_checkpoint} not found (no completed fine-tune with that id or output name)`, 'from_checkpoint', 'checkpoint_not_found');
      start = parent.fineTunedModel;
    } else {
      if (typeof model !== 'string' || !model) throw badRequest('model must be a base model name', 'model');
      // `model` is a catalog base model; a fine-tuned model goes in from_checkpoint.
      if (!this.ctx.cfg.models.some((m) => m.id === model)) throw notFound(`model ${model} is not available for fine-tuning (expected a base model from the catalog)`, 'model', 'model_not_found');
      start = model;
    }
    const created = createJob(
      this.ctx,
      { model: start, training_file, suffix, seed: typeof random_seed === 'number' ? random_seed : 42, method: dpo ? { type: 'dpo', dpo: { hyperparameters: { n_epochs: typeof n_epochs === 'number' ? n_epochs : 1, beta: dpo.beta } } } : { type: 'supervised', supervised: { hyperparameters: { n_epochs: typeof n_epochs === 'number' ? n_epochs : 1 } } } },
      this.dice,
    );
    const id = (created.json as { id: string }).id;
    this.ownJobs.add(id);
    return { status: 200, json: this.togetherJob(this.job(id)) };
  }

  private togetherJob(job: StoredJob): Record<string, unknown> {
    const view = jobStatusAt(job, Date.now());
    const status = { validating_files: 'pending', queued: 'queued', running: 'running', succeeded: 'completed', failed: 'error', cancelled: 'cancelled' }[view.status];
    const epochs = typeof job.hyperparameters.n_epochs === 'number' ? job.hyperparameters.n_epochs : 1;
    const trained = view.status === 'succeeded' && job.trainedTokens !== null;
    return {
      id: job.id,
      // Bad data or parameters end in `user_error` (together-python FinetuneJobStatus), other failures in `error`.
      status: view.status === 'failed' && job.validationError ? 'user_error' : status,
      model: this.ctx.catalog.get(job.model)?.root ?? job.model,
      ...(job.model !== (this.ctx.catalog.get(job.model)?.root ?? job.model) ? { from_checkpoint: job.model } : {}),
      n_epochs: epochs,
      random_seed: job.seed,
      training_method: job.method ? { method: 'dpo', dpo_beta: job.method.beta } : { method: 'sft' },
      // token_count: the dataset's tokens, once; total_price: nanodollars for n_epochs x those tokens at the price table.
      ...(trained
        ? {
            token_count: job.trainedTokens! / epochs,
            epochs_completed: epochs,
            total_price: Math.round(job.trainedTokens! * this.ctx.cfg.provider.prices.trainingPerMillionTokens * 1000),
          }
        : {}),
      suffix: job.suffix,
      training_file: job.training_file,
      created_at: new Date(job.createdAtMs).toISOString(),
      ...(view.status === 'succeeded' && job.fineTunedModel ? { model_output_name: job.fineTunedModel } : {}),
      events: view.status === 'failed' ? [{ created_at: new Date().toISOString(), level: 'error', message: view.error?.message ?? 'failed' }] : [],
    };
  }

  private endpointState(e: Endpoint): 'PENDING' | 'STARTED' | 'FAILED' {
    if (Date.now() - e.createdAtMs < this.ctx.cfg.provider.deploymentSeconds * 1000) return 'PENDING';
    return e.fails ? 'FAILED' : 'STARTED';
  }

  /** An endpoint as GET /endpoints lists it: ListEndpoint has no display_name or hardware (https://docs.together.ai/reference/listendpoints). */
  private listedEndpoint(e: Endpoint): Record<string, unknown> {
    const { display_name: _d, hardware: _h, ...listed } = this.endpointObject(e);
    return listed;
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
}

/**
 * `training_method` of POST /fine-tunes: absent or `{method: "sft"}`, or `{method: "dpo", dpo_beta}` with a file of
 * preference lines (https://docs.together.ai/reference/post-fine-tunes; https://docs.together.ai/docs/preference-fine-tuning).
 */
function togetherDpo(v: unknown): { beta: number } | undefined {
  if (v === undefined || v === null) return undefined;
  const m = v as { method?: unknown; dpo_beta?: unknown };
  if (typeof v !== 'object' || (m.method !== 'sft' && m.method !== 'dpo')) throw badRequest('training_method.method must be "sft" or "dpo"', 'training_method');
  if (m.method === 'sft') return undefined;
  if (m.dpo_beta !== undefined && (typeof m.dpo_beta !== 'number' || m.dpo_beta <= 0)) throw badRequest('training_method.dpo_beta must be a positive number', 'training_method.dpo_beta');
  return { beta: typeof m.dpo_beta === 'number' ? m.dpo_beta : 0.1 };
}
