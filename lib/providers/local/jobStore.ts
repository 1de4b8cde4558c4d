import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeTextAtomic } from '../../atomicFile';

/**
 * Durable training jobs on this machine: one directory per job, named after its business key, holding
 *   job.json    what was run (argv, cwd), PID, process start time, host, created/started times
 *   log.txt     the command's stdout and stderr
 *   exit_code   written by the job's own shell wrapper when the command ends, whoever is still around
 *   cancelled   written before a cancel kills the process group
 *   output/     the checkpoint the command writes ({outputDir})
 * The command runs detached in its own process group, so a worker that dies leaves it running; any later
 * worker reads the directory and adopts it. Status comes from the files and the PID, never from memory.
 */
export interface JobRecord {
  id: string;
  key: string;
  argv: string[];
  cwd: string;
  host: string;
  createdAt: string;
  pid?: number;
  /** /proc start time of the PID, so a recycled PID is not mistaken for the job. */
  pidStart?: string;
  startedAt?: string;
  outputDir: string;
  /** Free-form facts the provider keeps with the job (parent, base model, seed). */
  meta?: Record<string, string>;
}

export type JobState =
  | { state: 'starting'; record: JobRecord }
  | { state: 'running'; record: JobRecord }
  | { state: 'succeeded'; record: JobRecord; exitCode: 0 }
  | { state: 'failed'; record: JobRecord; exitCode: number }
  | { state: 'cancelled'; record: JobRecord }
  | { state: 'vanished'; record: JobRecord; reason: string };

/** How long a job directory may lack a PID before its creator is presumed dead. */
const START_GRACE_MS = 60_000;

export class LocalJobStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return path.join(this.root, id);
  }

  read(id: string): JobRecord | undefined {
    const file = path.join(this.dir(id), 'job.json');
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as JobRecord;
  }

  /**
   * Creates the job directory and starts the command, exactly once per id: the directory is created with
   * an exclusive mkdir, so of two concurrent creators one gets `undefined` (and should adopt the other's job).
   */
  async start(id: string, key: string, argv: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; outputDir?: string; meta?: Record<string, string> }): Promise<JobRecord | undefined> {
    mkdirSync(this.root, { recursive: true });
    const dir = this.dir(id);
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
    const record: JobRecord = {
      id,
      key,
      argv,
      cwd: opts.cwd,
      host: os.hostname(),
      createdAt: new Date().toISOString(),
      outputDir: opts.outputDir ?? path.join(dir, 'output'),
      ...(opts.meta ? { meta: opts.meta } : {}),
    };
    await this.write(record);
    const log = openSync(path.join(dir, 'log.txt'), 'a');
    try {
      // The wrapper records the exit code itself, so it is known even when no worker is alive to see it.
      const child = spawn('/bin/sh', ['-c', '"$@"; code=$?; echo $code > "$STRAWBERRY_JOB_DIR/exit_code.tmp" && mv "$STRAWBERRY_JOB_DIR/exit_code.tmp" "$STRAWBERRY_JOB_DIR/exit_code"', 'strawberry-job', ...argv], {
        cwd: opts.cwd,
        env: { ...process.env, ...opts.env, STRAWBERRY_JOB_DIR: dir },
        detached: true,
        stdio: ['ignore', log, log],
      });
      child.on('error', () => undefined); // a missing /bin/sh shows as a vanished job
      child.unref();
      record.pid = child.pid;
      record.pidStart = child.pid ? processStart(child.pid) : undefined;
      record.startedAt = new Date().toISOString();
      await this.write(record);
    } finally {
      closeSync(log);
    }
    return record;
  }

  state(id: string): JobState | undefined {
    const record = this.read(id);
    if (!record) return undefined;
    const dir = this.dir(id);
    if (existsSync(path.join(dir, 'cancelled'))) return { state: 'cancelled', record };
    const exitFile = path.join(dir, 'exit_code');
    if (existsSync(exitFile)) {
      const code = Number(readFileSync(exitFile, 'utf8').trim());
      return code === 0 ? { state: 'succeeded', record, exitCode: 0 } : { state: 'failed', record, exitCode: Number.isFinite(code) ? code : -1 };
    }
    if (record.pid === undefined) {
      if (Date.now() - Date.parse(record.createdAt) < START_GRACE_MS) return { state: 'starting', record };
      return { state: 'vanished', record, reason: `the job was created at ${record.createdAt} but its process never started (the worker died while starting it)` };
    }
    if (record.host !== os.hostname()) return { state: 'running', record }; // another machine's job: its files will tell
    if (isAlive(record.pid, record.pidStart)) return { state: 'running', record };
    // The wrapper may have written the exit code between the two checks.
    if (existsSync(exitFile)) return this.state(id);
    return {
      state: 'vanished',
      record,
      reason: `the training process (pid ${record.pid} on ${record.host}) is gone without an exit code: it was killed or its host restarted; log: ${path.join(dir, 'log.txt')}`,
    };
  }

  /** Kills the job's process group; a job that already ended is left as it is. */
  async cancel(id: string): Promise<void> {
    const s = this.state(id);
    if (!s || (s.state !== 'running' && s.state !== 'starting')) return;
    await writeTextAtomic(path.join(this.dir(id), 'cancelled'), new Date().toISOString() + '\n');
    if (s.record.pid && s.record.host === os.hostname() && isAlive(s.record.pid, s.record.pidStart)) {
      try {
        process.kill(-s.record.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }

  logTail(id: string, chars = 2000): string {
    const file = path.join(this.dir(id), 'log.txt');
    if (!existsSync(file)) return '';
    const text = readFileSync(file, 'utf8');
    return text.slice(-chars);
  }

  private async write(record: JobRecord): Promise<void> {
    await writeTextAtomic(path.join(this.dir(record.id), 'job.json'), JSON.stringify(record, null, 2) + '\n');
  }
}

/** The start time of a process (field 22 of /proc/<pid>/stat), or undefined where /proc is not available. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === undefined) return true;
  const now = processStart(pid);
  if (now === undefined) return true;
  if (now !== start) return false;
  // A zombie (exited, not yet reaped by its parent) is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
