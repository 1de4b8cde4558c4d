import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../../activities';

/** The task queue every strawberry worker serves unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'strawberry';

export interface WorkerHandle {
  worker: Worker;
  connection: NativeConnection;
}

/** A worker with every workflow (bundled from workflows/index.ts) and every activity of the project. */
export async function createWorker(opts: { address: string; namespace: string; taskQueue?: string }): Promise<WorkerHandle> {
  quietRuntime();
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
