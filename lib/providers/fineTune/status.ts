import type { FineTuneStatus } from '../types';

/** Final states: polling stops here. */
export function isTerminalStatus(status: FineTuneStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}
