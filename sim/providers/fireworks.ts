import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest, notFound, type Reply } from '../http';
import { isTerminal, jobStatusAt } from '../jobs';
import { parseMultipart } from '../routes/files';
import { cancelJob, createJob } from '../routes/fineTuning';
import { newId } from '../state';
import { jsonBody, ProviderMode } from './providerMode';

// Fireworks: https://docs.fireworks.ai/api-reference (datasets, supervisedFineTuningJobs, dpoJobs, deployments)

interface FwDeployment {
  id: string;
  baseModel: string;
  createdAtMs: number;
  minReplicaCount: number;
  /** The last chat request it served (or its creation). */
  lastTrafficMs: number;
  /** Set while a scaled-to-zero deployment starts a replica again: chat answers 503 until then. */
  warmAtMs?: number;
}

export class FireworksMode extends ProviderMode {
  readonly kind = 'fireworks' as const;
  private readonly datasets = new Map<string, { state: 'UPLOADING' | 'READY'; fileId?: string; displayName?: string }>();
  private readonly fwJobs = new Map<string, string>();
  /** DPO jobs (`dpoJobs`, https://docs.fireworks.ai/api-reference/create-dpo-job): their own resource and ids. */
  private readonly dpoJobs = new Map<string, string>();
  /** Deleted jobs: Fireworks keeps a JOB_STATE_ARCHIVED tombstone (fw-ai/cookbook training cleanup). */
  private readonly archivedJobs = new Set<string>();
  private readonly fwDeployments = new Map<string, FwDeployment>();

  protected liveDeployments(): Record<string, string> {
    this.expireIdle();
    const out: Record<string, string> = {};
    for (const d of this.fwDeployments.values()) out[d.id] = d.baseModel;
    return out;
  }

  /** Min-0 deployments idle past idleDeleteSeconds are deleted, as Fireworks does after 7 days (https://docs.fireworks.ai/deployments/autoscaling). */
  private expireIdle(now = Date.now()): void {
    const p = this.ctx.cfg.provider;
    for (const d of [...this.fwDeployments.values()]) {
      if (d.minReplicaCount === 0 && now - d.lastTrafficMs >= p.idleDeleteSeconds * 1000) this.fwDeployments.delete(d.id);
    }
  }

  resolveChatModel(model: string): string {
    const hash = model.indexOf('#');
    if (hash >= 0) {
      const target = model.slice(0, hash);
      const id = model.slice(hash + 1).split('/').pop() ?? '';
      this.expireIdle();
      const d = this.fwDeployments.get(id);
      if (!d || d.baseModel !== target) throw notFound(`Model not found, inaccessible, and/or not deployed: ${model}`, 'model', 'model_not_found');
      if (this.deploymentState(d) !== 'READY') throw new ApiError(503, `deployment ${id} is not ready`, 'server_error', 'model', 'deployment_not_ready');
      const now = Date.now();
      // Scale to zero: a min-0 deployment idle past the window has no replica; the request that finds it so
      // wakes it and, like every request until the replica is up, gets a 503 (a cold start).
      if (d.warmAtMs === undefined && d.minReplicaCount === 0 && now - d.lastTrafficMs >= this.ctx.cfg.provider.scaleToZeroSeconds * 1000) d.warmAtMs = now + this.ctx.cfg.provider.coldStartSeconds * 1000;
      if (d.warmAtMs !== undefined && now < d.warmAtMs) throw new ApiError(503, `deployment ${id} scaled to zero and is starting a replica (cold start)`, 'server_error', 'model', 'deployment_scaling_up');
      d.warmAtMs = undefined;
      d.lastTrafficMs = now;
      return target;
    }
    if (this.ctx.state.models.has(model)) throw notFound(`Model ${model} is not deployed: LoRA models serve only on on-demand deployments`, 'model', 'model_not_found');
    return model;
  }

  async route(req: IncomingMessage, method: string, p: string[], url: URL, _host: string): Promise<Reply | undefined> {
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
      const { dataset, baseModel, warmStartFrom, displayName, epochs, batchSize, batchSizeSamples } = body;
      if ((baseModel === undefined) === (warmStartFrom === undefined)) throw fwError(400, 'exactly one of base_model or warm_start_from must be specified');
      const dsId = String(dataset ?? '').split('/').pop() ?? '';
      const ds = this.datasets.get(dsId);
      if (!ds?.fileId || ds.state !== 'READY') throw fwError(400, `dataset ${String(dataset)} is not READY`);
      if (batchSizeSamples !== undefined && (!Number.isInteger(batchSizeSamples) || (batchSizeSamples as number) < 1)) throw fwError(400, 'batchSizeSamples must be a positive integer (samples per gradient batch)');
      // `batchSize` is the packed token budget of a batch: one smaller than the longest example cannot hold it.
      if (batchSize !== undefined) {
        const longest = Math.max(...(this.ctx.state.fileContent(ds.fileId) ?? Buffer.alloc(0)).toString('utf8').split('\n').map((l) => Math.ceil(l.length / 4)));
        if (!Number.isInteger(batchSize) || (batchSize as number) < longest) throw fwError(400, `batchSize is the maximum packed number of tokens per batch; ${String(batchSize)} cannot hold an example of ${longest} tokens (examples per batch: batchSizeSamples)`);
      }
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
          method: {
            type: 'supervised',
            supervised: { hyperparameters: { ...(typeof epochs === 'number' ? { n_epochs: epochs } : {}), ...(typeof batchSizeSamples === 'number' ? { batch_size: batchSizeSamples } : {}) } },
          },
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
      this.cancelRunning(this.fwJobs.get(r[1]!), `supervisedFineTuningJob ${r[1]}`);
      this.archivedJobs.add(r[1]!);
      return { status: 200, json: {} };
    }
    if (is('POST', 'dpoJobs')) {
      const body = await jsonBody(req);
      this.requests.push({ method, path: url.pathname, body });
      const id = url.searchParams.get('dpoJobId') ?? newId('dpoj');
      if (this.dpoJobs.has(id)) throw fwError(409, `dpoJob ${id} already exists`);
      const { dataset, displayName } = body;
      const tc = (body.trainingConfig ?? {}) as Record<string, unknown>;
      const loss = (body.lossConfig ?? {}) as Record<string, unknown>;
      // The model fields sit in trainingConfig (https://docs.fireworks.ai/api-reference/create-dpo-job).
      if (body.baseModel !== undefined || body.warmStartFrom !== undefined) throw fwError(400, 'baseModel and warmStartFrom of a DPO job belong in trainingConfig');
      // learningRate is accepted as documented; the sim's learning has no learning-rate term.
      const { baseModel, warmStartFrom, outputModel, epochs, batchSize } = tc;
      if ((baseModel === undefined) === (warmStartFrom === undefined)) throw fwError(400, 'exactly one of trainingConfig.base_model or trainingConfig.warm_start_from must be specified');
      if (outputModel !== undefined && (typeof outputModel !== 'string' || !/^accounts\/[^/]+\/models\/[a-z0-9-]{1,63}$/.test(outputModel))) throw fwError(400, `trainingConfig.outputModel must be accounts/<account>/models/<id>, got ${JSON.stringify(outputModel)}`);
      if (loss.klBeta !== undefined && (typeof loss.klBeta !== 'number' || !(loss.klBeta > 0))) throw fwError(400, 'lossConfig.klBeta must be a positive number');
      const dsId = String(dataset ?? '').split('/').pop() ?? '';
      const ds = this.datasets.get(dsId);
      if (!ds?.fileId || ds.state !== 'READY') throw fwError(400, `dataset ${String(dataset)} is not READY`);
      this.ctx.refresh();
      if (typeof baseModel === 'string' && !this.ctx.cfg.models.some((m) => m.id === baseModel)) throw fwError(404, `base model ${baseModel} not found`);
      if (typeof warmStartFrom === 'string' && !this.ctx.state.models.has(warmStartFrom)) throw fwError(404, `warm start model ${warmStartFrom} not found (it must be a fine-tuned LoRA model)`);
      const created = createJob(
        this.ctx,
        {
          model: (warmStartFrom ?? baseModel) as string,
          training_file: ds.fileId,
          suffix: typeof displayName === 'string' ? displayName.slice(0, 40) : undefined,
          ...(typeof outputModel === 'string' ? { output_model: outputModel } : {}),
          method: {
            type: 'dpo',
            dpo: { hyperparameters: { ...(typeof epochs === 'number' ? { n_epochs: epochs } : {}), ...(typeof batchSize === 'number' ? { batch_size: batchSize } : {}), ...(typeof loss.klBeta === 'number' ? { beta: loss.klBeta } : {}) } },
          },
        },
        this.dice,
      );
      this.dpoJobs.set(id, (created.json as { id: string }).id);
      return { status: 200, json: this.fwDpoJob(account, id) };
    }
    if (is('GET', 'dpoJobs', null)) {
      this.ctx.refresh();
      return { status: 200, json: this.fwDpoJob(account, r[1]!) };
    }
    if (is('DELETE', 'dpoJobs', null)) {
      this.cancelRunning(this.dpoJobs.get(r[1]!), `dpoJob ${r[1]}`);
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
      // Fireworks' default minimum is 0 replicas (https://docs.fireworks.ai/deployments/autoscaling).
      const minReplicaCount = body.minReplicaCount === undefined ? 0 : Number(body.minReplicaCount);
      if (!Number.isInteger(minReplicaCount) || minReplicaCount < 0) throw fwError(400, 'minReplicaCount must be a non-negative integer');
      const now = Date.now();
      const d: FwDeployment = { id, baseModel, createdAtMs: now, minReplicaCount, lastTrafficMs: now };
      this.fwDeployments.set(id, d);
      this.created++;
      return { status: 200, json: this.fwDeploymentObject(account, d) };
    }
    if (is('GET', 'deployments', null)) {
      this.expireIdle();
      const d = this.fwDeployments.get(r[1]!);
      if (!d) throw fwError(404, `deployment ${r[1]} not found`);
      return { status: 200, json: this.fwDeploymentObject(account, d) };
    }
    if (is('DELETE', 'deployments', null)) {
      this.expireIdle();
      const d = this.fwDeployments.get(r[1]!);
      if (!d) throw fwError(404, `deployment ${r[1]} not found`);
      // In use: refused unless ignoreChecks=true (https://docs.fireworks.ai/api-reference/delete-deployment).
      const recent = Date.now() - d.lastTrafficMs < this.ctx.cfg.provider.recentTrafficSeconds * 1000;
      if (recent && url.searchParams.get('ignoreChecks') !== 'true') throw fwError(400, `deployment ${d.id} is currently deployed and in use (traffic in the last ${this.ctx.cfg.provider.recentTrafficSeconds}s); set ignoreChecks to delete it anyway`);
      this.fwDeployments.delete(d.id);
      this.deleted++;
      return { status: 200, json: {} };
    }
    return undefined;
  }

  /** DELETE of a job: cancels the sim's job unless it has ended; 404 for an unknown one. */
  private cancelRunning(simId: string | undefined, what: string): void {
    if (!simId) throw fwError(404, `${what} not found`);
    this.ctx.refresh();
    if (!isTerminal(jobStatusAt(this.job(simId), Date.now()).status)) cancelJob(this.ctx, simId);
  }

  /** A DPO job as Fireworks shows it: the state of the job, the model fields in trainingConfig. */
  private fwDpoJob(account: string, id: string): Record<string, unknown> {
    const simId = this.dpoJobs.get(id);
    if (!simId) throw fwError(404, `dpoJob ${id} not found`);
    const job = this.job(simId);
    const view = jobStatusAt(job, Date.now());
    return {
      name: `accounts/${account}/dpoJobs/${id}`,
      displayName: job.suffix ?? id,
      state: JOB_STATE[view.status],
      status: view.status === 'failed' ? { code: 'INTERNAL', message: view.error?.message ?? 'failed' } : { code: 'OK', message: '' },
      createTime: new Date(job.createdAtMs).toISOString(),
      ...(typeof view.finishedAtMs === 'number' && isTerminal(view.status) ? { completedTime: new Date(view.finishedAtMs).toISOString() } : {}),
      trainingConfig: { ...(this.ctx.state.models.get(job.model) ? { warmStartFrom: job.model } : { baseModel: job.model }), ...(job.outputModel ? { outputModel: job.outputModel } : {}) },
      lossConfig: { klBeta: job.method?.beta ?? 0.1 },
    };
  }

  private fwJob(account: string, id: string): Record<string, unknown> {
    const simId = this.fwJobs.get(id);
    if (!simId) throw fwError(404, `supervisedFineTuningJob ${id} not found`);
    if (this.archivedJobs.has(id)) return { name: `accounts/${account}/supervisedFineTuningJobs/${id}`, state: 'JOB_STATE_ARCHIVED', status: { code: 'OK', message: '' } };
    const job = this.job(simId);
    const view = jobStatusAt(job, Date.now());
    const state = JOB_STATE[view.status];
    return {
      name: `accounts/${account}/supervisedFineTuningJobs/${id}`,
      state,
      status: view.status === 'failed' ? { code: 'INTERNAL', message: view.error?.message ?? 'failed' } : { code: 'OK', message: '' },
      createTime: new Date(job.createdAtMs).toISOString(),
      ...(view.status === 'succeeded' && job.fineTunedModel ? { outputModel: job.fineTunedModel } : {}),
      ...(typeof job.hyperparameters.batch_size === 'number' ? { batchSizeSamples: job.hyperparameters.batch_size } : {}),
      // The job's cost as Fireworks reports it: google.type.Money (units + nanos), from the sim's price table.
      ...(view.status === 'succeeded' && job.trainedTokens !== null ? { estimatedCost: money((job.trainedTokens * this.ctx.cfg.provider.prices.trainingPerMillionTokens) / 1e6) } : {}),
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
      minReplicaCount: d.minReplicaCount,
      state: this.deploymentState(d),
      status: { code: 'OK', message: '' },
      createTime: new Date(d.createdAtMs).toISOString(),
    };
  }
}

/** The sim's job states as Fireworks' JobState (gatewayJobState). */
const JOB_STATE = {
  validating_files: 'JOB_STATE_VALIDATING',
  queued: 'JOB_STATE_PENDING',
  running: 'JOB_STATE_RUNNING',
  succeeded: 'JOB_STATE_COMPLETED',
  failed: 'JOB_STATE_FAILED',
  cancelled: 'JOB_STATE_CANCELLED',
} as const;

function money(dollars: number): { currencyCode: string; units: string; nanos: number } {
  const units = Math.floor(dollars);
  return { currencyCode: 'USD', units: String(units), nanos: Math.round((dollars - units) * 1e9) };
}

/** Fireworks answers errors as `{code, message}` (gRPC status); 409 = ALREADY_EXISTS, 404 = NOT_FOUND. */
function fwError(status: number, message: string): ApiError {
  return new ApiError(status, message, status === 404 ? 'not_found' : status === 409 ? 'already_exists' : 'invalid_argument');
}
