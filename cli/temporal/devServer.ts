import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { EnvironmentError, UserError } from '../../lib/errors';
import { ensureDir } from '../../lib/store/ensureDir';
import { connectClientConnection, connectError, targetFromEnv, type TemporalTarget } from './connection';
import { lockDatabase, type DatabaseLock } from './databaseLock';
import { keepPorts, keptPorts, portIsFree } from './keptPorts';
import { stateDir } from './paths';
import { provisionTemporalCli, type TemporalCli } from './provision';
import { ensureSearchAttributes, searchAttributeFlags } from './searchAttributes';

/**
 * A Temporal server the project talks to: a dev server we started (plaintext on loopback), or an existing one
 * from TEMPORAL_ADDRESS or a profile, with its TLS and API key (cli/temporal/connection.ts).
 */
export interface TemporalServer extends TemporalTarget {
  /** The Web UI, when we started the server with it (an external cluster's UI is not known). */
  uiUrl?: string;
  kind: 'dev-server' | 'external';
  /** The SQLite file of a dev server we started. */
  dbFile?: string;
  cli?: TemporalCli;
  /** Stops a dev server we started (no-op for an external one). Safe to call twice. */
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** SQLite file; default <stateDir>/temporal.db so campaigns survive restarts. */
  dbFile?: string;
  ui?: boolean;
  namespace?: string;
  readyTimeoutMs?: number;
  progress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Reuse the ports this database had last time (kept in the state dir), so printed Web UI links stay valid. */
  keepPorts?: boolean;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Children still running; killed on process exit so no server outlives us (and their database locks released). */
const running = new Set<ChildProcess>();
const locks = new Set<DatabaseLock>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
    for (const lock of locks) lock.release();
  });
}

/** Starts `temporal server start-dev` on 127.0.0.1 with free ports, the Web UI and our search attributes. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<TemporalServer> {
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The database's directory first: a bad --db is the user's to fix, whatever the CLI's state.
  const dbFile = path.resolve(opts.dbFile ?? path.join(stateDir(env), 'temporal.db'));
  await ensureDir(path.dirname(dbFile), `Temporal database ${dbFile}: directory`);
  const cli = await provisionTemporalCli({ env, progress });
  progress(`Temporal CLI: ${cli.path} (from ${cli.source})`);
  const lock = lockDatabase(dbFile);
  locks.add(lock);
  const unlock = () => {
    lock.release();
    locks.delete(lock);
  };

  const namespace = opts.namespace ?? 'default';
  const ui = opts.ui !== false;
  const kept = opts.keepPorts ? await keptPorts(dbFile, env) : undefined;
  const reuse = kept !== undefined && (await portIsFree(kept.port)) && (!ui || (await portIsFree(kept.uiPort)));
  const port = reuse ? kept.port : await freePort();
  const uiPort = ui ? (reuse ? kept.uiPort : await freePort()) : undefined;
  if (opts.keepPorts && ui && !reuse) await keepPorts(dbFile, { port, uiPort: uiPort! }, env);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFile, '--namespace', namespace, '--log-level', 'warn', ...searchAttributeFlags()];
  args.push(...(ui ? ['--ui-port', String(uiPort)] : ['--headless']));

  const logFile = path.join(path.dirname(dbFile), 'temporal-server.log');
  const logStream = createWriteStream(logFile, { flags: 'a' });
  // Its own process group: Ctrl-C in the terminal reaches us, not the server, so an interrupted command can
  // still terminate its workflows before stopping the server (the exit hook below kills it in any case).
  const child = spawn(cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  running.add(child);
  installExitHook();
  lock.setServerPid(child.pid);
  child.on('error', unlock); // never started: no server holds the file
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    logStream.write(chunk);
    tail.push(...chunk.toString().split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 15));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code) => {
      exitCode = code;
      running.delete(child);
      unlock();
      logStream.end();
      resolve();
    });
  });

  const address = `127.0.0.1:${port}`;
  const uiUrl = ui ? `http://127.0.0.1:${uiPort}` : undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exitCode === undefined) {
      child.kill('SIGTERM');
      const grace = new AbortController();
      const killed = await Promise.race([exited.then(() => true), sleep(10_000, false, { signal: grace.signal }).catch(() => false)]);
      grace.abort();
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  };

  try {
    await waitUntilReady(address, namespace, uiUrl, opts.readyTimeoutMs ?? 60_000, () => exitCode, tail);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, namespace, uiUrl, kind: 'dev-server', cli, stop, dbFile };
}

async function waitUntilReady(
  address: string,
  namespace: string,
  uiUrl: string | undefined,
  timeoutMs: number,
  exitCode: () => number | null | undefined,
  tail: string[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const lastOutput = () => (tail.length ? `\nIts last output:\n${tail.join('\n')}` : '');
  let grpcReady = false;
  while (Date.now() < deadline) {
    if (exitCode() !== undefined) throw new EnvironmentError(`The Temporal dev server exited (code ${exitCode()}) before it was ready.${lastOutput()}`);
    try {
      if (!grpcReady) {
        const connection = await Connection.connect({ address, connectTimeout: 2_000 });
        try {
          await connection.workflowService.describeNamespace({ namespace });
        } finally {
          await connection.close();
        }
        grpcReady = true;
      }
      if (!uiUrl || (await httpStatus(uiUrl)) === 200) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new EnvironmentError(`The Temporal dev server did not become ready at ${address} within ${Math.round(timeoutMs / 1000)}s.${lastOutput()}`);
}

/** One GET without keep-alive (a pooled socket would keep the process alive after the server stops). */
function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * The server for this process: TEMPORAL_ADDRESS when set (search attributes registered idempotently
 * through the operator service), otherwise a dev server we start.
 */
export async function connectOrStartServer(opts: DevServerOptions = {}): Promise<TemporalServer> {
  const env = opts.env ?? process.env;
  const found = targetFromEnv(env);
  if (!found) return startDevServer(opts);
  const target = { ...found, namespace: opts.namespace ?? found.namespace };
  const connection = await connectClientConnection(target);
  try {
    await assertNamespace(connection, target);
    await ensureSearchAttributes(connection, target.namespace);
  } finally {
    await connection.close();
  }
  return { ...target, kind: 'external', stop: async () => {} };
}

/** An unknown namespace is the user's to fix (TEMPORAL_NAMESPACE): say which, and where. */
async function assertNamespace(connection: Connection, target: TemporalTarget): Promise<void> {
  const { address, namespace } = target;
  try {
    await connection.workflowService.describeNamespace({ namespace });
  } catch (err) {
    // gRPC status 5: NOT_FOUND
    if ((err as { code?: number }).code === 5) {
      throw new UserError(`namespace "${namespace}" (TEMPORAL_NAMESPACE) not found on ${address}; create it (\`temporal operator namespace create --namespace ${namespace}\`) or unset TEMPORAL_NAMESPACE for "default"`);
    }
    // The first call after connecting is where a refused API key or client certificate shows.
    throw await connectError(target, err);
  }
}
