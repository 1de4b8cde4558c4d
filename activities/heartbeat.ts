import { Context } from '@temporalio/activity';

/** How often a wrapped activity heartbeats (and at least thrice per heartbeat timeout). */
const EVERY_MS = 15_000;

/**
 * Wraps an activity so that it heartbeats while it runs (with its attempt number in the details), for steps
 * that have no natural progress to report (an upload, a dataset build, a job creation). Every activity then
 * has a heartbeat timeout: a worker killed mid-step stops heartbeating and the step is retried within that
 * timeout, not after its start-to-close timeout. Outside an activity (a direct call) it just runs `fn`.
 */
export function heartbeating<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    let ctx: Context;
    try {
      ctx = Context.current();
    } catch {
      return fn(...args);
    }
    const beat = () => ctx.heartbeat({ attempt: ctx.info.attempt });
    beat();
    const timer = setInterval(beat, Math.min(EVERY_MS, (ctx.info.heartbeatTimeoutMs ?? Infinity) / 3));
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}
