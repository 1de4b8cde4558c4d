import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import * as activities from '../../activities/healthCheck';
import { healthCheckWorkflow } from '../../workflows/healthCheck';
import { connectOrStartServer } from '../../cli/temporal/devServer';
import { ensureSearchAttributes } from '../../cli/temporal/searchAttributes';
import { testClient, testServerAddress, testWorkerConnection, uniqueTaskQueue } from '../helpers/temporal';

describe('the real Temporal dev server', () => {
  it('runs a workflow and its activity on a worker', async () => {
    const address = testServerAddress();
    console.log(`dev server under test: ${address}`);
    const { client, connection } = await testClient();
    const taskQueue = uniqueTaskQueue('health');
    const workerConnection = await testWorkerConnection();
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowsPath: require.resolve('../../workflows'),
      activities,
    });
    try {
      const result = await worker.runUntil(async () => {
        const handle = await client.workflow.start(healthCheckWorkflow, { taskQueue, workflowId: `health-${taskQueue}`, args: ['hello'] });
        const value = await handle.result();
        if (process.env.STRAWBERRY_RECORD_HISTORIES === '1') {
          const file = path.join(__dirname, '../fixtures/histories/healthCheck.json');
          writeFileSync(file, historyToJSON(await handle.fetchHistory()));
        }
        return value;
      });
      expect(result).toMatch(/^workflow saw: pong\(hello\) from /);
    } finally {
      await connection.close();
      await workerConnection.close();
    }
  });

  it('serves the Web UI and has the custom search attributes registered', async () => {
    const ui = process.env.STRAWBERRY_TEST_TEMPORAL_UI;
    expect(ui).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(ui!)).status).toBe(200);
    const { connection } = await testClient();
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(['Campaign', 'Round', 'Phase', 'Frontier', 'StudentModel']));
    } finally {
      await connection.close();
    }
  });

  it('with TEMPORAL_ADDRESS set, connects there instead of starting a server, and registers attributes idempotently', async () => {
    const server = await connectOrStartServer({ env: { ...process.env, TEMPORAL_ADDRESS: testServerAddress() } });
    expect(server.kind).toBe('external');
    expect(server.address).toBe(testServerAddress());
    const { connection } = await testClient();
    try {
      expect(await ensureSearchAttributes(connection, 'default')).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});
