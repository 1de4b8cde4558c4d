import { UserError } from '../lib/errors';

/**
 * Ctrl-C (SIGINT) or SIGTERM for a command that runs things in this process: the first one rejects `signal`
 * (so a step raced against it stops waiting) and lets the command clean up; a second one exits at once.
 * Exit code 130 (128 + SIGINT), as shells expect of an interrupted command.
 */
export interface Interruption {
  readonly signal: Promise<never>;
  interrupted(): boolean;
  /** `p`, or the interruption if it comes first. */
  race<T>(p: Promise<T>): Promise<T>;
  /** The error to end the command with, once interrupted. */
  error(detail: string): UserError;
  dispose(): void;
}

export function onInterrupt(): Interruption {
  let interrupted = false;
  let reject!: (err: Error) => void;
  const signal = new Promise<never>((_, r) => (reject = r));
  signal.catch(() => undefined);
  const handler = (name: NodeJS.Signals) => {
    if (interrupted) {
      process.stderr.write(`strawberry: ${name} again: exiting without cleaning up\n`);
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`\nstrawberry: ${name}: interrupted, cleaning up (again to exit at once)...\n`);
    reject(new UserError('interrupted', 130));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal,
    interrupted: () => interrupted,
    race: <T>(p: Promise<T>) => Promise.race([p, signal]),
    error: (detail: string) => new UserError(`interrupted: ${detail}`, 130),
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
