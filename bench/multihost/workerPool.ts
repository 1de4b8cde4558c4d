import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { spawnWorkerProcess, type WorkerProcess } from '../../tests/helpers/workerProcess';

/**
 * W worker processes standing in for W hosts: each starts in a fresh working directory with a HOME of its own,
 * so nothing local survives a kill or is shared with another worker; a killed one is replaced by a new one in
 * a new directory, as a rescheduled machine would be.
 */
export interface WorkerPool {
  ready(): Promise<void>;
  /** SIGKILLs a random live worker and starts its replacement (returns once the new one polls). */
  killRandomAndReplace(): Promise<{ pid: number; replacement: number }>;
  kills(): number;
  stopAll(): Promise<void>;
}

export function startWorkerPool(opts: { count: number; taskQueue: string; env: NodeJS.ProcessEnv; client: Client; work: string }): WorkerPool {
  let started = 0;
  let kills = 0;
  let stopping = false;
  const spawnOne = (): WorkerProcess => {
    const host = path.join(opts.work, `host-${++started}`);
    mkdirSync(path.join(host, 'home'), { recursive: true });
    // Also point the run-store default inside the host: a worker that fell back to a local store would be seen.
    return spawnWorkerProcess({ taskQueue: opts.taskQueue, cwd: host, env: { ...opts.env, HOME: path.join(host, 'home'), STRAWBERRY_RUNS_DIR: path.join(host, 'runs') }, client: opts.client, readyTimeoutMs: 180_000 });
  };
  const live = Array.from({ length: opts.count }, spawnOne);
  return {
    async ready() {
      await Promise.all(live.map((w) => w.ready));
    },
    async killRandomAndReplace() {
      const i = Math.floor(Math.random() * live.length);
      const victim = live[i]!;
      await victim.kill();
      kills++;
      if (stopping) return { pid: victim.pid, replacement: 0 };
      const next = spawnOne();
      live[i] = next;
      // Stopped while the replacement was still starting: its exit is the stop's, not a failure.
      await next.ready.catch((err: unknown) => {
        if (!stopping) throw err;
      });
      return { pid: victim.pid, replacement: next.pid };
    },
    kills: () => kills,
    async stopAll() {
      stopping = true;
      await Promise.all(live.map((w) => w.stop(5_000)));
    },
  };
}
