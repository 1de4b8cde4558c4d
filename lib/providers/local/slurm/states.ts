import type { FineTuneStatus } from '../../types';

/** What Slurm says of a job: its state word (squeue %T / sacct State), `code:signal` exit code, and reason. */
export interface SlurmJobFacts {
  jobId: string;
  state: string;
  exitCode?: string;
  reason?: string;
}

export interface MappedSlurmState {
  status: FineTuneStatus;
  /** Why, in words, with Slurm's own state, exit code and reason. */
  reason: string;
}

/** Live states: the job is queued (or held, or being requeued) and will run. */
const PENDING = new Set(['PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_FED', 'REQUEUE_HOLD', 'RESV_DEL_HOLD', 'SUSPENDED', 'STOPPED', 'RESIZING']);
/** Live states: the batch script runs (or is ending). */
const RUNNING = new Set(['RUNNING', 'COMPLETING', 'SIGNALING', 'STAGE_OUT']);
/** Ended without a checkpoint, each with the reason a user needs to act on. */
const FAILED: Record<string, string> = {
  FAILED: 'the training command failed',
  TIMEOUT: 'the job ran past its time limit (--time) and Slurm killed it',
  OUT_OF_MEMORY: 'the job ran out of memory (raise --mem)',
  NODE_FAIL: 'the node running the job failed',
  BOOT_FAIL: 'the node failed to boot for the job',
  DEADLINE: 'the job reached its --deadline before it could finish',
  PREEMPTED: 'a higher-priority job preempted it (and the partition does not requeue)',
  REVOKED: 'a sibling cluster of the federation ran it instead',
  SPECIAL_EXIT: 'the job was held in a special exit state (scontrol requeuehold)',
};

/**
 * Slurm's job states (sacct(1) "JOB STATE CODES", squeue(1) "JOB STATE CODES") as the campaign's job states. A
 * COMPLETED job whose exit code is not 0:0 is a failure (Slurm says COMPLETED only for exit 0, but be sure).
 * An unknown state is a failure that names it, never a silent "running".
 */
export function mapSlurmState(f: SlurmJobFacts): MappedSlurmState {
  // sacct writes "CANCELLED by 0"; squeue writes plain words.
  const word = f.state.trim().split(/\s+/)[0]!.toUpperCase().replace(/\+$/, '');
  const facts = `Slurm job ${f.jobId}: ${f.state.trim()}${f.exitCode ? `, exit code ${f.exitCode}` : ''}${f.reason && f.reason !== 'None' ? `, reason ${f.reason}` : ''}`;
  if (PENDING.has(word)) return { status: 'pending', reason: facts };
  if (RUNNING.has(word)) return { status: 'running', reason: facts };
  if (word === 'COMPLETED') {
    const [code, signal] = (f.exitCode ?? '0:0').split(':').map(Number);
    return code === 0 && !signal ? { status: 'succeeded', reason: facts } : { status: 'failed', reason: `${facts}: the job ended with a non-zero exit code` };
  }
  if (word === 'CANCELLED') return { status: 'cancelled', reason: `${facts}: cancelled (scancel)` };
  const why = FAILED[word];
  return { status: 'failed', reason: `${facts}: ${why ?? `a state this version does not know (${word})`}` };
}

/** The exit code of `code:signal` (128 + signal when a signal killed it), undefined when absent. */
export function slurmExitCode(exitCode: string | undefined): number | undefined {
  if (!exitCode) return undefined;
  const [code, signal] = exitCode.split(':').map(Number);
  if (signal) return 128 + signal!;
  return Number.isFinite(code) ? code : undefined;
}
