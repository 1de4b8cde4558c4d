import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { healthCheckWorkflow } from '../../workflows/healthCheck';
import { connectOrStartServer } from '../temporal/devServer';
import { createWorker, DEFAULT_TASK_QUEUE } from '../temporal/worker';

/** `strawberry demo` (= `npm start`): the embedded default on one machine, no keys, no GPU. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the embedded default on this machine: a Temporal dev server, a worker, and a round trip through them')
    .action(async () => {
      const server = await connectOrStartServer({});
      const connection = await Connection.connect({ address: server.address });
      const { worker, connection: workerConnection } = await createWorker({ address: server.address, namespace: server.namespace });
      try {
        const reply = await worker.runUntil(
          new Client({ connection, namespace: server.namespace }).workflow.execute(healthCheckWorkflow, {
            taskQueue: DEFAULT_TASK_QUEUE,
            workflowId: `health-check-${Date.now()}`,
            args: ['demo'],
          }),
        );
        process.stdout.write(`Temporal server: ${server.address}\n${reply}\n`);
        if (server.uiUrl) process.stdout.write(`Web UI: ${server.uiUrl}/namespaces/${server.namespace}/workflows\n`);
      } finally {
        await connection.close();
        await workerConnection.close();
        await server.stop();
      }
    });
}
