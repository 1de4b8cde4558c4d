import { createHash } from 'node:crypto';

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

/** A small seeded PRNG (mulberry32) for things that must differ between retries: fault dice. */
export function seededDice(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
