import os from 'node:os';
import { DefaultLogger, type NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../../activities';
import { isWorkKind, kindQueueName, WORK_KINDS, type WorkKind } from '../../lib/campaign/taskQueues';
import { UserError } from '../../lib/errors';
import { connectWorkerConnection, type TemporalTarget } from './connection';

/** The task queue every strawberry worker serves unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'strawberry';

/**
 * How a worker shows in the Web UI and in each activity's history (ActivityTaskStarted.identity): the SDK's
 * `<pid>@<host>`, and `/<name>` when given (`strawberry worker --identity gpu-1`), so a person sees which machine
 * ran a step.
 */
export function workerIdentity(name?: string): string {
  return `${process.pid}@${os.hostname()}${name ? `/${name}` : ''}`;
}

/** One queue a worker polls: the main queue (workflows and every activity) or a kind's (activities only). */
export interface ServedQueue {
  name: string;
  kind: 'main' | WorkKind | 'named';
}

/**
 * `--queues main,sampling,training`: each item a kind (main: the campaign's queue; a kind: `<main>-<kind>`, the
 * name `temporal.taskQueues.<kind>: true` gives) or a queue name a config chose (`temporal.taskQueues.training: gpu`).
 */
export function servedQueues(mainQueue: string, list = 'main'): ServedQueue[] {
  const items = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UserError(`--queues "${list}": expected a comma-separated list of main, ${WORK_KINDS.join(', ')} or task queue names`);
  const out: ServedQueue[] = [];
  for (const item of items) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(item)) throw new UserError(`--queues: "${item}" is neither main, ${WORK_KINDS.join(', ')} nor a task queue name`);
    const q: ServedQueue = item === 'main' ? { name: mainQueue, kind: 'main' } : isWorkKind(item) ? { name: kindQueueName(mainQueue, item), kind: item } : { name: item, kind: 'named' };
    if (!out.some((o) => o.name === q.name)) out.push(q);
  }
  return out;
}

export interface WorkerHandle {
  worker: Worker;
  connection: NativeConnection;
}

export interface WorkerPoolOptions {
  /** The campaign's queue (default `strawberry`). */
  taskQueue?: string;
  /** What to serve (default: the main queue). */
  queues?: ServedQueue[];
  /** Appended to `<pid>@<host>`. */
  name?: string;
}

/** Workers of one process, one per queue, on one connection: run together, stop together. */
export interface WorkerPool {
  identity: string;
  queues: ServedQueue[];
  workers: Worker[];
  connection: NativeConnection;
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * The workers of `strawberry worker`: the main queue gets every workflow (bundled from workflows/index.ts) and
 * every activity; a kind's queue gets the activities only (only activities are sent there), so a training-only
 * worker does not bundle workflows.
 */
export async function createWorkerPool(target: TemporalTarget, opts: WorkerPoolOptions = {}): Promise<WorkerPool> {
  quietRuntime();
  const queues = opts.queues ?? [{ name: opts.taskQueue ?? DEFAULT_TASK_QUEUE, kind: 'main' as const }];
  const identity = workerIdentity(opts.name);
  const connection = await connectWorkerConnection(target);
  const workers: Worker[] = [];
  try {
    for (const q of queues) {
      workers.push(
        await Worker.create({
          connection,
          namespace: target.namespace,
          taskQueue: q.name,
          identity,
          activities,
          ...(q.kind === 'main' ? { workflowsPath: require.resolve('../../workflows') } : {}),
        }),
      );
    }
  } catch (err) {
    await connection.close();
    throw err;
  }
  return {
    identity,
    queues,
    workers,
    connection,
    async run() {
      // One worker failing stops the others: a half-serving process would look healthy in the Web UI.
      const runs = workers.map((w) =>
        w.run().catch((err: unknown) => {
          for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
          throw err;
        }),
      );
      const results = await Promise.allSettled(runs);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}

/** A worker on one queue with every workflow and every activity of the project (the demo's, a bench's). */
export async function createWorker(opts: TemporalTarget & { taskQueue?: string; name?: string }): Promise<WorkerHandle> {
  const pool = await createWorkerPool(opts, { taskQueue: opts.taskQueue, name: opts.name });
  return { worker: pool.workers[0]!, connection: pool.connection };
}

let runtimeInstalled = false;
/** The SDK's own logs at WARN unless STRAWBERRY_LOG_LEVEL asks for more: its per-state chatter drowns the CLI's output. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.STRAWBERRY_LOG_LEVEL ?? 'warn').toUpperCase();
  try {
    Runtime.install({ logger: new DefaultLogger(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(level) ? (level as 'WARN') : 'WARN') });
  } catch {
    // a runtime is already installed (e.g. by a test); keep it
  }
}
