import { UserError } from '../errors';
import { postgresPool } from '../storage/postgres';
import { redactUrl } from '../storage/ledgerUrl';
import { assertSegment, type RunStore } from '../store';
import type { ModelEntry, RegistryFile } from './types';

/**
 * Where a campaign's registry entries live: a JSON file in the run store (the default), or a PostgreSQL table
 * beside the ledger. `update` runs a change on a fresh read under the storage's own lock (the file: one process's
 * queue and an atomic rewrite; PostgreSQL: a row lock per campaign inside a transaction) and keeps it only if
 * the change says something changed.
 */
export interface RegistryStorage {
  /** Names the registry in messages (`demo/registry.json`, or the database and campaign). */
  readonly where: string;
  read(): Promise<ModelEntry[]>;
  /** Applies `change` to the current entries (it returns whether it changed them) and returns them. */
  update(change: (models: ModelEntry[]) => boolean): Promise<ModelEntry[]>;
}

/** Where a campaign's registry lives in the run store. */
export function registryPath(campaign: string): string {
  assertSegment(campaign, 'campaign name');
  return `${campaign}/registry.json`;
}

/** One JSON file in the run store, rewritten atomically on every change. */
export class FileRegistryStorage implements RegistryStorage {
  constructor(
    private readonly store: RunStore,
    private readonly campaign: string,
  ) {}

  get where(): string {
    return registryPath(this.campaign);
  }

  async read(): Promise<ModelEntry[]> {
    return (await this.readFile()).models;
  }

  async update(change: (models: ModelEntry[]) => boolean): Promise<ModelEntry[]> {
    const file = await this.readFile();
    if (change(file.models)) await this.store.writeJsonAtomic(this.where, file);
    return file.models;
  }

  private async readFile(): Promise<RegistryFile> {
    const rel = this.where;
    if (!(await this.store.exists(rel))) return { version: 1, campaign: this.campaign, models: [] };
    const data = await this.store.readJson<RegistryFile>(rel);
    if (!data || data.version !== 1 || !Array.isArray(data.models)) {
      throw new UserError(`${rel}: not a model registry (expected {"version": 1, "models": [...]})`);
    }
    if (data.campaign !== this.campaign) throw new UserError(`${rel}: belongs to campaign ${data.campaign}, not ${this.campaign}`);
    return data;
  }
}

/**
 * The registry in PostgreSQL (`registry_models`, lib/storage/postgresMigrations.ts): one row per model, in insertion
 * order. A change locks the campaign's row in `registry_campaigns` FOR UPDATE first, so changes from any number of
 * workers serialise (even two that each add a model), and writes only the entries it changed.
 */
export class PostgresRegistryStorage implements RegistryStorage {
  constructor(
    private readonly url: string,
    private readonly campaign: string,
  ) {}

  get where(): string {
    return `registry of campaign ${this.campaign} in ${redactUrl(this.url)}`;
  }

  async read(): Promise<ModelEntry[]> {
    const pool = await postgresPool(this.url);
    const res = await pool.query<{ entry: ModelEntry }>('SELECT entry FROM registry_models WHERE campaign = $1 ORDER BY seq', [this.campaign]);
    return res.rows.map((r) => r.entry);
  }

  async update(change: (models: ModelEntry[]) => boolean): Promise<ModelEntry[]> {
    const pool = await postgresPool(this.url);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO registry_campaigns (campaign) VALUES ($1) ON CONFLICT DO NOTHING', [this.campaign]);
      await client.query('SELECT campaign FROM registry_campaigns WHERE campaign = $1 FOR UPDATE', [this.campaign]);
      const res = await client.query<{ entry: ModelEntry }>('SELECT entry FROM registry_models WHERE campaign = $1 ORDER BY seq', [this.campaign]);
      const models = res.rows.map((r) => r.entry);
      const before = new Map(models.map((m) => [m.modelId, JSON.stringify(m)]));
      if (change(models)) {
        for (const m of models) {
          if (before.get(m.modelId) === JSON.stringify(m)) continue;
          await client.query(
            'INSERT INTO registry_models (campaign, model_id, entry) VALUES ($1, $2, $3) ON CONFLICT (campaign, model_id) DO UPDATE SET entry = excluded.entry',
            [this.campaign, m.modelId, JSON.stringify(m)],
          );
        }
      }
      await client.query('COMMIT');
      return models;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
