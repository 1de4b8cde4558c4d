import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { testServerAddress } from './temporal';

/**
 * A worker as a separate PROCESS (`node bin/strawberry.js worker --task-queue <q>`, the real command), so a
 * test can SIGKILL it mid-activity the way a crashed machine would die, and start another one.
 */

const repoRoot = path.resolve(__dirname, '..', '..');

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  taskQueue: string;
  /** Resolves once this process polls the task queue for workflow and activity tasks (seen by the server). */
  ready: Promise<void>;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote so far (stdout and stderr, interleaved). */
  output(): string;
  /** SIGKILL: no shutdown, no heartbeat, no completion of the running activities. Resolves on exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), then SIGKILL if it has not exited after `graceMs`. Resolves on exit. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnWorkerOptions {
  taskQueue: string;
  /** The run store root the activities write to (STRAWBERRY_RUNS_DIR); absent: the store of `env` (e.g. STRAWBERRY_RUN_STORE). */
  runsDir?: string;
  /** The process's working directory (default: the repository root), e.g. a fresh one per simulated host. */
  cwd?: string;
  /** Extra environment (e.g. STRAWBERRY_SIM_KEY); the rest is inherited from this process. */
  env?: NodeJS.ProcessEnv;
  /** The client used to see the worker's pollers on the server. */
  client: Client;
  /** How long to wait for the worker to poll (bundling the workflows takes seconds on a busy machine). */
  readyTimeoutMs?: number;
  /** `--queues` (default: the main queue only). */
  queues?: string;
  /** `--identity`: appended to `<pid>@<host>`. */
  identity?: string;
  /** The queues whose pollers show it ready: default the task queue, for workflows and activities. */
  pollQueues?: { name: string; workflows: boolean }[];
}

export function spawnWorkerProcess(opts: SpawnWorkerOptions): WorkerProcess {
  const args = ['worker', '--task-queue', opts.taskQueue, ...(opts.queues ? ['--queues', opts.queues] : []), ...(opts.identity ? ['--identity', opts.identity] : [])];
  const pollQueues = opts.pollQueues ?? [{ name: opts.taskQueue, workflows: true }];
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/strawberry.js'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, TEMPORAL_ADDRESS: testServerAddress(), TEMPORAL_NAMESPACE: 'default', ...(opts.runsDir ? { STRAWBERRY_RUNS_DIR: opts.runsDir } : {}), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not spawn the worker process');
  const pid = child.pid;
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = true;
      resolve({ code, signal });
    }),
  );

  // The SDK's default worker identity is `<pid>@<host>`: ready when the server lists this pid polling both queues.
  const ready = (async () => {
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
    for (;;) {
      if (ended) throw new Error(`worker process ${pid} exited before it polled ${opts.taskQueue}:\n${out.slice(-4000)}`);
      if ((await pollsAll(opts.client, pollQueues, pid)) === true) return;
      if (Date.now() > deadline) throw new Error(`worker process ${pid} did not poll ${opts.taskQueue} within ${opts.readyTimeoutMs ?? 90_000} ms:\n${out.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  ready.catch(() => undefined);

  const signal = async (sig: NodeJS.Signals) => {
    if (!ended) child.kill(sig);
    await exited;
  };
  return {
    pid,
    child,
    taskQueue: opts.taskQueue,
    ready,
    exited,
    output: () => out,
    kill: () => signal('SIGKILL'),
    async stop(graceMs = 15_000) {
      if (ended) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => !ended && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function pollsAll(client: Client, queues: { name: string; workflows: boolean }[], pid: number): Promise<boolean> {
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
  for (const q of queues) {
    for (const taskQueueType of q.workflows ? [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY] : [TASK_QUEUE_TYPE_ACTIVITY]) {
      const res = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: q.name }, taskQueueType });
      if (!(res.pollers ?? []).some((p) => (p.identity ?? '').startsWith(`${pid}@`))) return false;
    }
  }
  return true;
}
