import type { Command } from 'commander';
import { runStoreUrlFromEnv } from '../../lib/store';
import { WORK_KINDS } from '../../lib/campaign/taskQueues';
import { serverFromEnv } from '../connect';
import { describeTarget } from '../temporal/connection';
import { connectOrStartServer } from '../temporal/devServer';
import { createWorkerPool, DEFAULT_TASK_QUEUE, servedQueues } from '../temporal/worker';

/**
 * `strawberry worker`: runs workflows and activities for the server of TEMPORAL_ADDRESS until SIGINT/SIGTERM.
 * Like `start`, it never starts a server of its own: a worker on a private throwaway server would serve no one.
 * Search attributes are registered there idempotently. TLS, the API key, provider keys and the run store
 * (STRAWBERRY_RUN_STORE, or the directory STRAWBERRY_RUNS_DIR) come from this process's environment. `--queues`
 * says which kinds of work this host takes (a campaign's `temporal.taskQueues` sends those kinds to their own
 * queues; docs/deploy.md).
 */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker for the Temporal server of TEMPORAL_ADDRESS until Ctrl-C (run store: STRAWBERRY_RUN_STORE, or the directory STRAWBERRY_RUNS_DIR, default runs/)')
    .option('--task-queue <queue>', "the campaigns' task queue (workflows and the work that has no queue of its own)", DEFAULT_TASK_QUEUE)
    .option(
      '--queues <list>',
      `what this worker serves, comma-separated: main (the task queue), ${WORK_KINDS.join(', ')} (<task-queue>-<kind>, for campaigns whose temporal.taskQueues.<kind> is true), or a task queue name`,
      'main',
    )
    .option('--identity <name>', 'appended to the worker identity <pid>@<host> shown in the Web UI and in each activity of the history')
    .action(async (opts: { taskQueue: string; queues: string; identity?: string }) => {
      const queues = servedQueues(opts.taskQueue, opts.queues);
      const target = serverFromEnv();
      const server = await connectOrStartServer({ namespace: target.namespace });
      // A bad STRAWBERRY_RUN_STORE stops the worker here, not its first activity.
      const url = runStoreUrlFromEnv();
      const runStore = url.kind === 'file' ? url.root : url.url;
      const pool = await createWorkerPool(server, { queues, name: opts.identity });
      const stop = (signal: string) => {
        process.stderr.write(`${signal}: finishing running tasks, then stopping...\n`);
        pool.shutdown();
      };
      const onInt = () => stop('SIGINT');
      const onTerm = () => stop('SIGTERM');
      process.once('SIGINT', onInt);
      process.once('SIGTERM', onTerm);
      const served = queues.map((q) => (q.kind === 'main' ? `${q.name} (workflows, all work)` : q.kind === 'named' ? q.name : `${q.name} (${q.kind})`)).join(', ');
      process.stderr.write(`Worker ${pool.identity} on ${describeTarget(server)}, task queues ${served}, run store ${runStore}. Ctrl-C stops it.\n`);
      try {
        await pool.run();
      } finally {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        await pool.connection.close();
      }
      process.stderr.write('Worker stopped.\n');
    });
}
