import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { closePostgresPools } from '../../lib/storage/postgres';

const root = path.resolve(__dirname, '..', '..');

let started: { url?: string; why?: string } | undefined;

/**
 * Brings up the throwaway PostgreSQL (scripts/postgres-up.sh, idempotent) and returns why it could not, or undefined.
 * A machine where it cannot start (no postgresql-15 and no root for apt-get, the port taken) skips the PostgreSQL
 * suites with that reason, listed at the end of the run; STRAWBERRY_REQUIRE_POSTGRES=1 (CI) fails the run instead.
 */
export function postgresUnavailable(): string | undefined {
  if (!started) {
    const r = spawnSync(path.join(root, 'scripts', 'postgres-up.sh'), [], { encoding: 'utf8', timeout: 600_000 });
    const url = r.stdout?.trim().split('\n').at(-1);
    started = r.status === 0 && url ? { url } : { why: `scripts/postgres-up.sh could not start PostgreSQL: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' / ')}` };
  }
  if (started.why && process.env.STRAWBERRY_REQUIRE_POSTGRES === '1') throw new Error(`${started.why}. STRAWBERRY_REQUIRE_POSTGRES=1, so this fails the run.`);
  return started.why;
}

/** The URL scripts/postgres-up.sh printed (its `strawberry` database). */
export function postgresServerUrl(): string {
  if (postgresUnavailable() || !started?.url) throw new Error('PostgreSQL is not up: check postgresUnavailable() first');
  return started.url;
}

/**
 * A fresh, empty database for one suite (`<label>_<random>`), and how to drop it: the suite's migrations, campaigns
 * and rows never meet another suite's. `drop` closes this process's pools first (they hold connections to it).
 */
export async function freshDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = postgresServerUrl();
  const name = `t_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      await closePostgresPools();
      const c = new Client({ connectionString: server });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
