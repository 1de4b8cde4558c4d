import type { Command } from 'commander';
import { runStoreUrlFromEnv } from '../../lib/store';
import { serverFromEnv } from '../connect';
import { connectOrStartServer } from '../temporal/devServer';
import { createWorker, DEFAULT_TASK_QUEUE } from '../temporal/worker';

/**
 * `strawberry worker`: runs workflows and activities for the server of TEMPORAL_ADDRESS until SIGINT/SIGTERM.
 * Like `start`, it never starts a server of its own: a worker on a private throwaway server would serve no one.
 * Search attributes are registered there idempotently. API keys and the run store (STRAWBERRY_RUN_STORE, or the
 * directory STRAWBERRY_RUNS_DIR) come from this process's environment.
 */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker for the Temporal server of TEMPORAL_ADDRESS until Ctrl-C (run store: STRAWBERRY_RUN_STORE, or the directory STRAWBERRY_RUNS_DIR, default runs/)')
    .option('--task-queue <queue>', 'task queue to serve', DEFAULT_TASK_QUEUE)
    .action(async (opts: { taskQueue: string }) => {
      const target = serverFromEnv();
      const server = await connectOrStartServer({ namespace: target.namespace });
      // A bad STRAWBERRY_RUN_STORE stops the worker here, not its first activity.
      const url = runStoreUrlFromEnv();
      const runStore = url.kind === 'file' ? url.root : url.url;
      const { worker, connection } = await createWorker({ address: server.address, namespace: server.namespace, taskQueue: opts.taskQueue });
      const stop = (signal: string) => {
        process.stderr.write(`${signal}: finishing running tasks, then stopping...\n`);
        if (worker.getState() === 'RUNNING') worker.shutdown();
      };
      const onInt = () => stop('SIGINT');
      const onTerm = () => stop('SIGTERM');
      process.once('SIGINT', onInt);
      process.once('SIGTERM', onTerm);
      process.stderr.write(
        `Worker on ${server.address} (namespace ${server.namespace}), task queue ${opts.taskQueue}, run store ${runStore}. Ctrl-C stops it.\n`,
      );
      try {
        await worker.run();
      } finally {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        await connection.close();
      }
      process.stderr.write('Worker stopped.\n');
    });
}
