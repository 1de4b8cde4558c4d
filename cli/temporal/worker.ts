import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from '../../activities';

/** The task queue every strawberry worker serves unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'strawberry';

export interface WorkerHandle {
  worker: Worker;
  connection: NativeConnection;
}

/** A worker with every workflow (bundled from workflows/index.ts) and every activity of the project. */
export async function createWorker(opts: { address: string; namespace: string; taskQueue?: string }): Promise<WorkerHandle> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowsPath: require.resolve('../../workflows'),
    activities,
  });
  return { worker, connection };
}
