import os from 'node:os';

/** Answers from the worker's machine, so a health check shows where activities really run. */
export async function ping(message: string): Promise<string> {
  return `pong(${message}) from ${os.hostname()}`;
}
