/**
 * The PostgreSQL schema of the ledger and the registry, as ordered migrations: each runs once per database, in
 * order, recorded in `schema_migrations`. Never edit a migration that has shipped; add the next version.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger samples',
    // One row per sample key and campaign. The unique key index leads with (campaign, problem_id), so it also
    // serves a shard's reads of its own problems; `round` (from the writer label, e.g. estimate-r3-s1) has its own.
    sql: `
      CREATE TABLE ledger_samples (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        campaign TEXT NOT NULL,
        problem_id TEXT NOT NULL,
        model TEXT NOT NULL,
        params_hash TEXT NOT NULL,
        purpose TEXT NOT NULL,
        sample_index INTEGER NOT NULL,
        correct BOOLEAN NOT NULL,
        verifier_version TEXT,
        writer TEXT,
        round INTEGER,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        record JSON NOT NULL,
        recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX ledger_samples_key ON ledger_samples (campaign, problem_id, model, params_hash, purpose, sample_index);
      CREATE INDEX ledger_samples_round ON ledger_samples (campaign, round);
    `,
  },
  {
    version: 2,
    name: 'model registry',
    // One lock row per campaign (taken FOR UPDATE by every change, so concurrent changes serialise even when they
    // add a model), the entries in insertion order, as JSON text (kept as written: a repeated change compares equal).
    sql: `
      CREATE TABLE registry_campaigns (
        campaign TEXT PRIMARY KEY
      );
      CREATE TABLE registry_models (
        campaign TEXT NOT NULL REFERENCES registry_campaigns (campaign),
        model_id TEXT NOT NULL,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        entry JSON NOT NULL,
        PRIMARY KEY (campaign, model_id)
      );
    `,
  },
];
