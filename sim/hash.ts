import { createHash } from 'node:crypto';
import { mulberry32 } from '../lib/random';

/** Every random choice of the sim is a hash of what it depends on, so the same request gives the same answer. */
export function hashHex(...parts: readonly (string | number)[]): string {
  return createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex');
}

/** A uniform number in [0, 1) derived from the parts. */
export function hashUnit(...parts: readonly (string | number)[]): number {
  return parseInt(hashHex(...parts).slice(0, 13), 16) / 2 ** 52;
}

/** An integer in [lo, hi] derived from the parts. */
export function hashInt(lo: number, hi: number, ...parts: readonly (string | number)[]): number {
  return lo + Math.floor(hashUnit(...parts) * (hi - lo + 1));
}

/** A small seeded PRNG for things that must differ between retries: fault dice. */
export const seededDice = mulberry32;
