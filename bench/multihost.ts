/**
 * `npm run bench:multihost`: campaigns on several worker processes that share nothing local, under SIGKILLs.
 *
 * Brings up PostgreSQL (scripts/postgres-up.sh), the S3-compatible server (scripts/s3-up.sh) and one Temporal
 * dev server; the sim (server errors on) sits behind a counting proxy. Starts W worker processes, each in a
 * working directory and HOME of its own, with the ledger in PostgreSQL and the run store in the object store;
 * runs C campaigns of R rounds at once; every 20-40 s SIGKILLs a random worker and starts a new one in a fresh
 * directory. Then counts: campaigns completed, samples in the ledger, duplicate paid calls (a chat request the
 * provider answered more than once), fine-tune jobs per trained round; and compares the insert rate of the
 * PostgreSQL ledger with the SQLite one on the same records. Figures only; nothing is asserted.
 *
 * Knobs (env): MULTIHOST_WORKERS (4), MULTIHOST_CAMPAIGNS (3), MULTIHOST_ROUNDS (3), MULTIHOST_KILL_MIN_S (20),
 * MULTIHOST_KILL_MAX_S (40), MULTIHOST_ERROR_RATE (0.02), MULTIHOST_LATENCY_MS (150: each sim request takes this
 * long, so a campaign lasts minutes and the kills land mid-work), MULTIHOST_INSERTS (20000), MULTIHOST_STORED (1:
 * the provider's storedCompletions on; 0: off, to see what a kill costs without it).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../cli/temporal/devServer';
import { startSim } from '../sim/server';
import { bringUpServices, type Services } from './multihost/services';
import { startPaidCallCounter } from './multihost/paidCalls';
import { ledgerInsertRate, ledgerRows } from './multihost/ledgerFigures';
import { startWorkerPool } from './multihost/workerPool';

const env = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`${name}: expected a non-negative number, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
};

const WORKERS = env('MULTIHOST_WORKERS', 4);
const CAMPAIGNS = env('MULTIHOST_CAMPAIGNS', 3);
const ROUNDS = env('MULTIHOST_ROUNDS', 3);
const KILL_MIN_S = env('MULTIHOST_KILL_MIN_S', 20);
const KILL_MAX_S = Math.max(KILL_MIN_S, env('MULTIHOST_KILL_MAX_S', 40));
const ERROR_RATE = env('MULTIHOST_ERROR_RATE', 0.02);
const LATENCY_MS = env('MULTIHOST_LATENCY_MS', 150);
const INSERTS = env('MULTIHOST_INSERTS', 20_000);
/** `storedCompletions` on the sim provider (README): a retried activity adopts what its killed attempt paid for. */
const STORED = env('MULTIHOST_STORED', 1) !== 0;
const TASK_QUEUE = 'multihost';
const repoRoot = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const began = performance.now();
  const work = mkdtempSync(path.join(os.tmpdir(), 'strawberry-bench-multihost-'));
  process.env.STRAWBERRY_LOG_LEVEL ??= 'warn';
  const services: Services = await bringUpServices(`multihost-${Date.now().toString(36)}`);
  process.stderr.write(`multihost: ledger ${services.ledgerUrl}, run store ${services.runStoreUrl}\n`);

  const server = await startDevServer({ dbFile: path.join(work, 'temporal.db'), progress: () => undefined });
  process.env.STRAWBERRY_TEST_TEMPORAL_ADDRESS = server.address;
  const curriculum = path.join(repoRoot, 'curricula/arithmetic.yaml');
  const sim = await startSim({ port: 0, curricula: [curriculum], config: { faults: { errorRate: ERROR_RATE, latencyMs: LATENCY_MS, seed: 23 }, jobs: { runningSeconds: 3 } } });
  const paid = await startPaidCallCounter(sim.baseURL);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });

  // What every process of the deployment gets; nothing else is shared (each worker has its own cwd and HOME).
  const shared: NodeJS.ProcessEnv = {
    ...services.env,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    STRAWBERRY_SIM_URL: paid.url,
    // One API key per campaign, so the counting proxy tells campaigns apart (their requests are alike).
    ...Object.fromEntries(Array.from({ length: CAMPAIGNS }, (_, i) => [`MULTIHOST_SIM_KEY_${i + 1}`, `sim-multihost-key-${i + 1}`])),
    STRAWBERRY_LOG_LEVEL: 'warn',
  };
  Object.assign(process.env, shared);
  const pool = startWorkerPool({ count: WORKERS, taskQueue: TASK_QUEUE, env: shared, client, work });
  let killer: Promise<void> | undefined;
  const stopKilling = new AbortController();
  try {
    await pool.ready();
    process.stderr.write(`multihost: ${WORKERS} workers polling ${TASK_QUEUE}\n`);

    // Loaded after the environment is set: the CLI's run store reads STRAWBERRY_RUN_STORE once.
    const { loadCampaignConfig } = await import('../lib/config/load');
    const { startCampaign } = await import('../cli/campaigns');
    const names: string[] = [];
    const handles = [];
    for (let i = 1; i <= CAMPAIGNS; i++) {
      const loaded = await loadCampaignConfig(path.join(repoRoot, 'tests/fixtures/campaigns/small.yaml'));
      const name = `mh${i}-${Date.now().toString(36)}`;
      const sim = loaded.providers.sim;
      if (sim?.kind !== 'openai') throw new Error('tests/fixtures/campaigns/small.yaml: expected an openai-kind provider `sim`');
      const config = {
        ...loaded,
        name,
        providers: { ...loaded.providers, sim: { ...sim, apiKeyEnv: `MULTIHOST_SIM_KEY_${i}`, storedCompletions: STORED } },
        stopping: { ...loaded.stopping, maxRounds: ROUNDS, maxRoundsWithoutPromotion: ROUNDS },
        // A killed worker's shard is retried once its heartbeat times out: seconds here, not the default minutes.
        sharding: { ...loaded.sharding, heartbeatTimeoutSeconds: 5 },
      };
      names.push(name);
      handles.push(await startCampaign(client, { config }, { taskQueue: TASK_QUEUE }));
    }

    killer = (async () => {
      while (!stopKilling.signal.aborted) {
        try {
          await sleep(1000 * (KILL_MIN_S + Math.random() * (KILL_MAX_S - KILL_MIN_S)), undefined, { signal: stopKilling.signal });
        } catch {
          break; // aborted: the campaigns are done
        }
        const killed = await pool.killRandomAndReplace();
        process.stderr.write(`multihost: SIGKILL worker ${killed.pid} after ${((performance.now() - began) / 1000).toFixed(0)} s; started ${killed.replacement}\n`);
      }
    })();

    const outcomes = await Promise.all(
      handles.map((h) =>
        h.result().then(
          (o) => ({ ok: !/blocked/.test(o.stopReason), rounds: o.rounds }),
          (err: unknown) => ({ ok: false, rounds: [], error: String(err) }),
        ),
      ),
    );
    stopKilling.abort();
    await killer;
    await pool.stopAll();
    const completed = outcomes.filter((o) => o.ok && o.rounds.length > 0).length;
    const trainedRounds = outcomes.flatMap((o) => o.rounds).filter((r) => r.outcome === 'promoted' || r.outcome === 'rejected').length;
    const samples = await ledgerRows(services.ledgerUrl, names);
    const counts = paid.counts();
    const jobsPerRound = trainedRounds > 0 ? counts.jobs / trainedRounds : 0;
    for (const [i, o] of outcomes.entries()) {
      process.stderr.write(`multihost: ${names[i]}: ${o.ok ? 'completed' : 'NOT completed'}, rounds ${o.rounds.map((r) => `${r.round}:${r.outcome}`).join(' ')}${'error' in o ? ` (${o.error})` : ''}\n`);
    }
    process.stderr.write(
      `multihost: kills ${pool.kills()}, paid chat calls ${counts.chatCalls} (choices ${counts.choices}), repeated ${counts.duplicates}, fine-tune jobs ${counts.jobs} for ${trainedRounds} trained rounds\n`,
    );
    // After the workers have stopped, alternating, best of two each: the machine is shared and noisy.
    const rates = { postgres: 0, sqlite: 0 };
    for (let i = 0; i < 2; i++) {
      rates.postgres = Math.max(rates.postgres, await ledgerInsertRate(services.ledgerUrl, INSERTS));
      rates.sqlite = Math.max(rates.sqlite, await ledgerInsertRate(`sqlite://${path.join(work, `insert-rate-${i}`)}`, INSERTS));
    }
    const { postgres: pg, sqlite } = rates;
    process.stderr.write(`multihost: wall ${((performance.now() - began) / 1000).toFixed(0)} s; insert rate over ${INSERTS} records (best of 2), postgres/sqlite ${(pg / sqlite).toFixed(2)}\n`);
    process.stdout.write(
      `multihost: ${WORKERS} workers, ${completed} campaigns completed of ${CAMPAIGNS}, ${samples} samples, ${counts.duplicates} duplicate paid calls, ` +
        `${jobsPerRound.toFixed(2)} jobs per round attempt, postgres ${Math.round(pg)} inserts/s, sqlite ${Math.round(sqlite)} inserts/s\n`,
    );
  } finally {
    stopKilling.abort();
    await killer?.catch(() => undefined);
    await pool.stopAll();
    await connection.close();
    await paid.close();
    await sim.close();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:multihost failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
