/**
 * `npm run bench:scale [-- --problems 2000[,10000,...]] [--ledger sqlite|postgres|sqlite,postgres]`: one round against the sim (latency 100 ms, provider
 * concurrency 32) per size, on a real Temporal dev server and a real worker, printing per phase the wall time
 * and (for sampling phases) the achieved/ideal ratio, plus the peak RSS of the worker's process (the client
 * shares it; the sim runs in a process of its own, so its CPU is not the worker's), the ledger's size and the
 * round's history events (and size). It ends with one line per size: `scale N: estimation efficiency E, peak RSS M MB, history H events, estimation S s, ledger L`.
 *
 * `--ledger postgres` puts the ledger and registry in PostgreSQL (scripts/postgres-up.sh, a fresh database for the
 * run, dropped at the end) through STRAWBERRY_LEDGER, as a deployment would; the default is the embedded SQLite.
 *
 * Ideal estimation time = ceil(requests / concurrency) x latency: every lane busy all the time. Efficiency is
 * ideal / achieved. Figures only; nothing is asserted.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { startDevServer } from '../cli/temporal/devServer';
import { freshDatabase, postgresUnavailable } from '../tests/helpers/testPostgres';
import { Client } from 'pg';
import { ledgerDatabasePath } from '../lib/ledger';

const LATENCY_MS = 100;
const CONCURRENCY = 32;
/** Samples per problem; one request draws them all (n = K). */
const K = 20;

function sizesFromArgs(argv: string[]): number[] {
  const i = argv.indexOf('--problems');
  const raw = i >= 0 ? argv[i + 1] : (argv.find((a) => a.startsWith('--problems='))?.split('=')[1] ?? '2000');
  const sizes = (raw ?? '').split(',').map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 10 || n > 100000)) {
    process.stderr.write(`--problems: expected comma-separated integers in [10, 100000], got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return sizes;
}

type LedgerKind = 'sqlite' | 'postgres';

/** `--ledger sqlite`, `postgres` or both (`sqlite,postgres`: each size on each, and their estimation-time ratio from one run). */
function ledgersFromArgs(argv: string[]): LedgerKind[] {
  const i = argv.indexOf('--ledger');
  const raw = i >= 0 ? argv[i + 1] : (argv.find((a) => a.startsWith('--ledger='))?.split('=')[1] ?? 'sqlite');
  const kinds = (raw ?? '').split(',').map((k) => k.trim());
  if (kinds.length === 0 || kinds.some((k) => k !== 'sqlite' && k !== 'postgres')) {
    process.stderr.write(`--ledger: expected sqlite, postgres or sqlite,postgres, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return [...new Set(kinds)] as LedgerKind[];
}

/** A fresh database on the server scripts/postgres-up.sh starts (idempotent), and how to drop it. */
async function benchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const why = postgresUnavailable();
  if (why) throw new Error(why);
  return freshDatabase('bench_scale');
}

/** Bytes of the ledger table with its indexes and TOAST. */
async function postgresLedgerBytes(url: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>("SELECT pg_total_relation_size('ledger_samples') AS n")).rows[0]!.n);
  } finally {
    await c.end();
  }
}

function fileBytes(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const sizes = sizesFromArgs(process.argv.slice(2));
  const ledgerKinds = ledgersFromArgs(process.argv.slice(2));
  const pg = ledgerKinds.includes('postgres') ? await benchDatabase() : undefined;
  const work = mkdtempSync(path.join(os.tmpdir(), 'strawberry-bench-scale-'));
  process.env.STRAWBERRY_RUNS_DIR = path.join(work, 'runs');
  process.env.STRAWBERRY_LOG_LEVEL ??= 'warn';
  const server = await startDevServer({ dbFile: path.join(work, 'temporal.db'), progress: () => undefined });
  process.env.STRAWBERRY_TEST_TEMPORAL_ADDRESS = server.address;
  // Loaded after the environment is set: the harness and activities read it once.
  const { startCampaignHarness } = await import('../tests/helpers/campaignHarness');
  const { roundWorkflowId } = await import('../workflows/round');
  const summary: string[] = [];
  try {
    for (const n of sizes) {
      const estimation = new Map<LedgerKind, number>();
      for (const ledgerKind of ledgerKinds) {
        // Read by the activities when they open a campaign's ledger: each run's campaign gets its own.
        if (ledgerKind === 'postgres') process.env.STRAWBERRY_LEDGER = pg!.url;
        else delete process.env.STRAWBERRY_LEDGER;
        const curriculum = path.join(work, `scale-${n}.yaml`);
        // One level of n trainable problems (plus a few held out), then a hopeless level so the frontier stays.
        writeFileSync(
          curriculum,
          [
            'name: scale',
            'answerType: number',
            'heldOutFraction: 0.005',
            'seed: 0',
            'levels:',
            '  - { id: scale, skill: arithmetic, difficulty: 2.5, source: { generator: arithmetic, operators: ["+", "-"], digits: 3, terms: 3, count: ' +
              Math.min(100000, Math.ceil(n / 0.995)) +
              ' } }',
            '  - { id: hard, skill: arithmetic, difficulty: 9, source: { generator: arithmetic, operators: ["*"], digits: 3, terms: 3, count: 20 } }',
            '',
          ].join('\n'),
        );
        const config = path.join(work, `scale-${n}.campaign.yaml`);
        writeFileSync(
          config,
          [
            `name: scale${n}`,
            `curriculum: ${curriculum}`,
            'providers:',
            `  sim: { kind: openai, baseURL: "\${STRAWBERRY_SIM_URL}", apiKeyEnv: STRAWBERRY_SIM_KEY, concurrency: ${CONCURRENCY} }`,
            'student: { provider: sim, baseModel: sim-student }',
            `estimation: { mode: fixed, k: ${K}, batchSize: ${K}, maxTokens: 256, nextLevel: false }`,
            'band: { band: { min: 0.05, max: 0.5 }, maxProblems: 32 }',
            'traces: { perProblem: 2, maxTurns: 8, finalCheckEvery: 2 }',
            'dataset: { perProblemCap: 2, replayFraction: 0 }',
            'fineTune: { pollIntervalSeconds: 0.5 }',
            'evaluation: { samplesPerProblem: 1, maxHeldOutPerLevel: 8 }',
            'stopping: { maxRounds: 1 }',
            'sharding: { problemsPerShard: 200, parallelShards: 4 }',
            '',
          ].join('\n'),
        );
        const h = await startCampaignHarness({ label: `scale${n}`, configFile: config, simConfig: { faults: { latencyMs: LATENCY_MS } }, simMode: 'process' });
        const t0 = Date.now();
        const cpu0 = process.cpuUsage();
        const elu0 = performance.eventLoopUtilization();
        let peakRss = process.memoryUsage().rss;
        const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
        try {
          await h.result();
        } finally {
          clearInterval(sampler);
        }
        const wall = (Date.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        const elu = performance.eventLoopUtilization(elu0);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        const history = await h.client.workflow.getHandle(roundWorkflowId(h.name, 1)).fetchHistory();
        const events = history.events ?? [];
        // Per activity type: first scheduled .. last closed.
        const typeOf = new Map<string, string>();
        const span = new Map<string, { start: number; end: number; count: number }>();
        const ms = (e: (typeof events)[number]) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
        for (const e of events) {
          const s = e.activityTaskScheduledEventAttributes;
          if (s) {
            const type = s.activityType?.name ?? '?';
            typeOf.set(String(e.eventId), type);
            const cur = span.get(type) ?? { start: ms(e), end: ms(e), count: 0 };
            cur.count++;
            span.set(type, cur);
          }
          const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
          if (closed) {
            const type = typeOf.get(String(closed.scheduledEventId)) ?? '?';
            const cur = span.get(type);
            if (cur) cur.end = Math.max(cur.end, ms(e));
          }
        }
        const est = span.get('estimateShard');
        const estSeconds = est ? (est.end - est.start) / 1000 : NaN;
        // Fixed k with n = k: one request per candidate problem.
        const estRequests = (JSON.parse(readFileSync(path.join(h.campaignDir, 'round-1', 'candidates.json'), 'utf8')) as { ids: string[] }).ids.length;
        const ideal = (Math.ceil(estRequests / CONCURRENCY) * LATENCY_MS) / 1000;
        const efficiency = ideal / estSeconds;
        const ledger = ledgerDatabasePath(path.join(h.campaignDir, 'ledger'));
        estimation.set(ledgerKind, estSeconds);
        const ledgerMb = (ledgerKind === 'postgres' ? await postgresLedgerBytes(pg!.url) : fileBytes(ledger) + fileBytes(`${ledger}-wal`)) / 1e6;
        process.stdout.write(`\n== ${n} problems (${estRequests} candidates), ${ledgerKind} ledger: round 1 in ${wall.toFixed(1)} s\n`);
        for (const [type, s] of span) {
          const secs = (s.end - s.start) / 1000;
          const extra = type === 'estimateShard' ? `, ideal ${ideal.toFixed(1)} s, achieved/ideal ${efficiency.toFixed(2)}` : '';
          process.stdout.write(`  ${type.padEnd(20)} ${String(s.count).padStart(4)} activities  ${secs.toFixed(1).padStart(7)} s${extra}\n`);
        }
        process.stdout.write(`  the worker's process used ${cpuSeconds.toFixed(1)} s of CPU in ${wall.toFixed(1)} s (${(cpuSeconds / wall).toFixed(2)} cores; ${((cpuSeconds * 1000) / Math.max(1, estRequests)).toFixed(2)} ms per estimation request); its event loop was busy ${((elu.active / 1000).toFixed(1))} s (${((elu.active / Math.max(1, estRequests))).toFixed(2)} ms per estimation request), load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores\n`);
        process.stdout.write(`  peak RSS ${(peakRss / 1e6).toFixed(0)} MB (worker + client; the sim runs in its own process), ledger ${ledgerMb.toFixed(1)} MB, round history ${events.length} events (${(temporal.api.history.v1.History.encode(history).finish().length / 1e6).toFixed(2)} MB)\n`);
        summary.push(`scale ${n}: estimation efficiency ${efficiency.toFixed(2)}, peak RSS ${(peakRss / 1e6).toFixed(0)} MB, history ${events.length} events, estimation ${estSeconds.toFixed(1)} s, ledger ${ledgerKind}`);
        await h.teardown();
      }
      const [sq, po] = [estimation.get('sqlite'), estimation.get('postgres')];
      if (sq !== undefined && po !== undefined) summary.push(`scale ${n}: estimation postgres/sqlite ${(po / sq).toFixed(2)} (${po.toFixed(1)} s / ${sq.toFixed(1)} s, one run)`);
    }
  } finally {
    await server.stop();
    await pg?.drop();
  }
  process.stdout.write(`\n${summary.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:scale failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
