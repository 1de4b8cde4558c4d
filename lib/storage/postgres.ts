import { Pool } from 'pg';
import { EnvironmentError, UserError } from '../errors';
import { createLogger, type Logger } from '../log';
import { redactUrl } from './ledgerUrl';
import { MIGRATIONS, type Migration } from './postgresMigrations';

/**
 * One connection pool per PostgreSQL URL and process, shared by every campaign's ledger and registry, with the
 * schema migrated once at first use. The password comes from PGPASSWORD / ~/.pgpass (node-pg reads libpq's
 * environment variables), never from the URL. Idle connections do not keep a command from exiting.
 */
const pools = new Map<string, { pool: Pool; ready: Promise<Pool> }>();

/** Serialises migrations of concurrent workers (a transaction-scoped advisory lock; any constant of ours). */
const MIGRATION_LOCK = 0x53747277; // "Strw"

let logger: Logger | undefined;
const log = () => (logger ??= createLogger({ component: 'postgres' }));

export function postgresPool(url: string): Promise<Pool> {
  let hit = pools.get(url);
  if (!hit) {
    const pool = new Pool({ connectionString: url, max: Number(process.env.STRAWBERRY_PG_POOL_MAX ?? 10), allowExitOnIdle: true, application_name: 'strawberry' });
    // An idle connection the server closed (restart, failover) must not crash the worker; the next query reconnects.
    pool.on('error', (err) => log().warn({ url: redactUrl(url), err: err.message }, 'idle PostgreSQL connection failed'));
    const entry = { pool, ready: migrate(pool, MIGRATIONS).then(() => pool) };
    entry.ready.catch(() => {
      if (pools.get(url) === entry) pools.delete(url);
      void pool.end().catch(() => undefined);
    });
    pools.set(url, entry);
    hit = entry;
  }
  return hit.ready.catch((err: unknown) => {
    throw connectionError(url, err);
  });
}

/** Closes every pool of this process (tests, benches, the end of a command). */
export async function closePostgresPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.pool.end().catch(() => undefined)));
}

function connectionError(url: string, err: unknown): Error {
  if (err instanceof UserError) return err;
  const e = err as NodeJS.ErrnoException & { code?: string };
  const why = e.message || String(err);
  // Authentication and missing databases or roles are the user's to fix (blocked, not retried); an unreachable
  // server is the machine's (EnvironmentError: activities retry it).
  if (e.code === '28P01') return new UserError(`PostgreSQL ${redactUrl(url)}: ${why} (set PGPASSWORD or a ~/.pgpass entry in this worker's environment)`);
  if (e.code === '28000' || e.code === '3D000') return new UserError(`PostgreSQL ${redactUrl(url)}: ${why}`);
  return new EnvironmentError(`PostgreSQL ${redactUrl(url)} is not reachable: ${why} (scripts/postgres-up.sh starts a local one)`);
}

/** Applies the migrations this database lacks, in order, each in the one transaction that holds the lock. */
export async function migrate(pool: Pool, migrations: readonly Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new UserError(`PostgreSQL schema version ${newest} is newer than this strawberry knows (${known}): upgrade this worker to the version the others run`);
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
