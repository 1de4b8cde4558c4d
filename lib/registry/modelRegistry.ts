import { UserError } from '../errors';
import type { PromotionEvidence } from './decidePromotion';
import { chosenLedgerUrl, storedLedgerUrl } from '../storage/ledgerLocation';
import { parseLedgerUrl } from '../storage/ledgerUrl';
import type { RunStore } from '../store';
import { FileRegistryStorage, PostgresRegistryStorage, type RegistryStorage } from './registryStorage';
import type { DeploymentRecord, Evaluation, LevelEvaluation, ModelEntry } from './types';

export interface RegisterBaseInput {
  modelId: string;
  provider: string;
  evaluation?: EvaluationInput;
}

export interface RegisterCandidateInput {
  modelId: string;
  provider: string;
  parent: string;
  round: number;
  datasetRef?: string;
  datasetSha256?: string;
  jobId?: string;
}

/** Per level: counts, with accuracy computed when absent. */
export type EvaluationInput = Record<string | number, { n: number; correct: number; accuracy?: number }>;

export interface RegistryLoadOptions {
  now?: () => Date;
  /**
   * The campaign's `storage.ledger` (a config at hand); default: the one of the campaign's config copy in the run
   * store, else STRAWBERRY_LEDGER. A PostgreSQL ledger keeps the registry beside it; otherwise it is the file.
   */
  ledger?: string;
}

/**
 * The models of one campaign: the base, each round's candidate, which were promoted. Kept beside the ledger: one
 * JSON file in the run store (rewritten atomically on every change), or a PostgreSQL table when the ledger is
 * there (lib/registry/registryStorage.ts). Every operation is an upsert keyed by model id, so a retried activity
 * repeats it harmlessly. Each change re-reads the entries first under the storage's lock, so two processes that
 * loaded the registry earlier do not undo each other's changes.
 */
export class ModelRegistry {
  private models: ModelEntry[];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly storage: RegistryStorage,
    readonly campaign: string,
    models: ModelEntry[],
    private readonly now: () => Date,
  ) {
    this.models = models;
  }

  static async load(store: RunStore, campaign: string, opts: RegistryLoadOptions = {}): Promise<ModelRegistry> {
    const chosen = chosenLedgerUrl(campaign, opts.ledger ?? (await storedLedgerUrl(store, campaign)));
    const url = chosen && parseLedgerUrl(chosen.url, chosen.where);
    const storage = url?.kind === 'postgres' ? new PostgresRegistryStorage(url.url, campaign) : new FileRegistryStorage(store, campaign);
    return new ModelRegistry(storage, campaign, await storage.read(), opts.now ?? (() => new Date()));
  }

  /** Names the registry in messages: its file in the run store, or its database. */
  get path(): string {
    return this.storage.where;
  }

  entries(): readonly ModelEntry[] {
    return this.models;
  }

  get(modelId: string): ModelEntry | undefined {
    return this.models.find((m) => m.modelId === modelId);
  }

  base(): ModelEntry | undefined {
    return this.models.find((m) => m.status === 'base');
  }

  /** The model to train and sample from next: the latest promoted one, else the base. */
  current(): ModelEntry | undefined {
    const promoted = this.models.filter((m) => m.status === 'promoted');
    if (promoted.length === 0) return this.base();
    return promoted.reduce((a, b) => (b.round > a.round || (b.round === a.round && b.updatedAt > a.updatedAt) ? b : a));
  }

  /** base -> ... -> current, following parents. */
  lineage(): ModelEntry[] {
    const chain: ModelEntry[] = [];
    const seen = new Set<string>();
    for (let m = this.current(); m && !seen.has(m.modelId); m = m.parent ? this.get(m.parent) : undefined) {
      seen.add(m.modelId);
      chain.push(m);
    }
    return chain.reverse();
  }

  async registerBase(input: RegisterBaseInput): Promise<ModelEntry> {
    return this.change((models, at) => {
      const existingBase = models.find((m) => m.status === 'base');
      if (existingBase && existingBase.modelId !== input.modelId) {
        throw new UserError(`${this.path}: campaign ${this.campaign} already has base model ${existingBase.modelId}, not ${input.modelId}`);
      }
      const clash = models.find((m) => m.modelId === input.modelId && m.status !== 'base');
      if (clash) throw new UserError(`${this.path}: ${input.modelId} is registered as a ${clash.status}, not as the base model`);
      const entry: ModelEntry = existingBase ?? { modelId: input.modelId, provider: input.provider, round: 0, status: 'base', createdAt: at, updatedAt: at };
      entry.provider = input.provider;
      if (input.evaluation) entry.evaluation = { ...(entry.evaluation ?? {}), ...normalizeEvaluation(input.evaluation) };
      if (!existingBase) models.push(entry);
      return entry;
    });
  }

  async registerCandidate(input: RegisterCandidateInput): Promise<ModelEntry> {
    return this.change((models, at) => {
      let entry = models.find((m) => m.modelId === input.modelId);
      if (entry?.status === 'base') throw new UserError(`${this.path}: ${input.modelId} is the base model, not a candidate`);
      if (!models.some((m) => m.modelId === input.parent)) {
        throw new UserError(`${this.path}: parent ${input.parent} of ${input.modelId} is not registered`);
      }
      if (!entry) {
        entry = { modelId: input.modelId, provider: input.provider, parent: input.parent, round: input.round, status: 'candidate', createdAt: at, updatedAt: at };
        models.push(entry);
      }
      // A retry repeats the same facts; a decision already taken (promoted/rejected) stays.
      entry.provider = input.provider;
      entry.parent = input.parent;
      entry.round = input.round;
      if (input.datasetRef !== undefined) entry.datasetRef = input.datasetRef;
      if (input.datasetSha256 !== undefined) entry.datasetSha256 = input.datasetSha256;
      if (input.jobId !== undefined) entry.jobId = input.jobId;
      return entry;
    });
  }

  /** Sets (or replaces) the evaluation of the given levels, keeping other levels' results. */
  async setEvaluation(modelId: string, evaluation: EvaluationInput): Promise<ModelEntry> {
    return this.change((models) => {
      const entry = this.require(models, modelId);
      entry.evaluation = { ...(entry.evaluation ?? {}), ...normalizeEvaluation(evaluation) };
      return entry;
    });
  }

  /**
   * Records (or updates) the deployment that serves a model. Timestamps already set stay (a retried
   * activity repeats the same facts); `deletedAt` sets the running time.
   */
  async setDeployment(modelId: string, patch: Partial<DeploymentRecord> & { id: string }): Promise<ModelEntry> {
    return this.change((models, at) => {
      const entry = this.require(models, modelId);
      const prev = entry.deployment?.id === patch.id ? entry.deployment : undefined;
      const next: DeploymentRecord = { provider: '', servedModel: modelId, createdAt: at, ...(prev ?? {}), ...patch };
      if (prev?.createdAt) next.createdAt = prev.createdAt;
      if (prev?.readyAt) next.readyAt = prev.readyAt;
      if (prev?.deletedAt) next.deletedAt = prev.deletedAt;
      if (next.deletedAt) next.runningSeconds = Math.max(0, Math.round((Date.parse(next.deletedAt) - Date.parse(next.createdAt)) / 1000));
      entry.deployment = next;
      return entry;
    });
  }

  /** Models whose deployment has not been torn down. */
  liveDeployments(): ModelEntry[] {
    return this.models.filter((m) => m.deployment && !m.deployment.deletedAt);
  }

  async promote(modelId: string, reason?: string, evidence?: PromotionEvidence): Promise<ModelEntry> {
    return this.decide(modelId, 'promoted', reason, evidence);
  }

  async reject(modelId: string, reason?: string, evidence?: PromotionEvidence): Promise<ModelEntry> {
    return this.decide(modelId, 'rejected', reason, evidence);
  }

  private decide(modelId: string, status: 'promoted' | 'rejected', reason?: string, evidence?: PromotionEvidence): Promise<ModelEntry> {
    return this.change((models) => {
      const entry = this.require(models, modelId);
      if (entry.status === 'base') throw new UserError(`${this.path}: the base model ${modelId} cannot be ${status}`);
      if (entry.status !== 'candidate' && entry.status !== status) {
        throw new UserError(`${this.path}: ${modelId} was already ${entry.status}; it cannot now be ${status}`);
      }
      entry.status = status;
      if (reason !== undefined) entry.reason = reason;
      if (evidence !== undefined && entry.promotionEvidence === undefined) entry.promotionEvidence = evidence;
      return entry;
    });
  }

  private require(models: ModelEntry[], modelId: string): ModelEntry {
    const entry = models.find((m) => m.modelId === modelId);
    if (!entry) throw new UserError(`${this.path}: no model ${modelId} in campaign ${this.campaign}`);
    return entry;
  }

  /**
   * Re-reads the entries, applies `mutate`, and writes only if something changed (so a repeated operation leaves
   * the registry and its timestamps alone). Changes made through one instance are serialised.
   */
  private change(mutate: (models: ModelEntry[], at: string) => ModelEntry): Promise<ModelEntry> {
    const run = async (): Promise<ModelEntry> => {
      const at = this.now().toISOString();
      let entry: ModelEntry | undefined;
      this.models = await this.storage.update((models) => {
        const before = JSON.stringify(models);
        entry = mutate(models, at);
        if (JSON.stringify(models) === before) return false;
        entry.updatedAt = at;
        return true;
      });
      return { ...entry! };
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function normalizeEvaluation(input: EvaluationInput): Evaluation {
  const out: Evaluation = {};
  for (const [level, e] of Object.entries(input)) {
    if (!/^\d+$/.test(level)) throw new UserError(`evaluation level ${JSON.stringify(level)} must be a level index`);
    if (!Number.isInteger(e.n) || e.n < 0 || !Number.isInteger(e.correct) || e.correct < 0 || e.correct > e.n) {
      throw new UserError(`evaluation of level ${level}: expected integers 0 <= correct <= n, got correct=${e.correct}, n=${e.n}`);
    }
    const entry: LevelEvaluation = { accuracy: e.accuracy ?? (e.n === 0 ? 0 : e.correct / e.n), n: e.n, correct: e.correct };
    out[level] = entry;
  }
  return out;
}

