import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { freshDatabase, postgresUnavailable } from '../../tests/helpers/testPostgres';

/** The shared services of a multi-host deployment, brought up by the repository's own scripts (idempotent). */
export interface Services {
  /** A fresh PostgreSQL database for this run's ledger and registry (kept after the run, for a look at its rows). */
  ledgerUrl: string;
  /** A prefix of its own in the S3-compatible store. */
  runStoreUrl: string;
  /** What every process needs to reach them (endpoint, test credentials, STRAWBERRY_LEDGER, STRAWBERRY_RUN_STORE). */
  env: NodeJS.ProcessEnv;
}

const scripts = path.resolve(__dirname, '..', '..', 'scripts');

function run(script: string): string {
  const r = spawnSync(path.join(scripts, script), [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
  if (r.status !== 0) throw new Error(`scripts/${script} failed (exit ${r.status ?? r.signal}); see above`);
  return r.stdout;
}

export async function bringUpServices(label: string): Promise<Services> {
  const why = postgresUnavailable();
  if (why) throw new Error(why);
  const ledger = new URL((await freshDatabase(label)).url);

  // `export NAME=value` lines (scripts/s3-up.sh prints the environment a worker needs).
  const env: NodeJS.ProcessEnv = {};
  for (const line of run('s3-up.sh').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  if (!env.STRAWBERRY_RUN_STORE) throw new Error('scripts/s3-up.sh printed no STRAWBERRY_RUN_STORE');
  const runStoreUrl = `${env.STRAWBERRY_RUN_STORE.replace(/\/+$/, '')}/${label}`;
  return { ledgerUrl: ledger.href, runStoreUrl, env: { ...env, STRAWBERRY_RUN_STORE: runStoreUrl, STRAWBERRY_LEDGER: ledger.href } };
}
