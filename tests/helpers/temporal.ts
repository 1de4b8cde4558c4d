import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

/** The dev server that tests/globalSetup.ts started for this run. */
export function testServerAddress(): string {
  const address = process.env.STRAWBERRY_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('STRAWBERRY_TEST_TEMPORAL_ADDRESS is not set: run tests through jest (tests/globalSetup.ts starts the server).');
  return address;
}

export async function testClient(): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: testServerAddress() });
  return { client: new Client({ connection }), connection };
}

export function testWorkerConnection(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: testServerAddress() });
}

/** A task queue of its own per test, so tests sharing the server never steal each other's tasks. */
export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
