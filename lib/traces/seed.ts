import { createHash } from 'node:crypto';

/**
 * The sampling seed of a request: a pure function of the base seed, the sample index and (in per-turn mode)
 * the turn, so a re-run sends exactly the same requests. 31 bits: every provider accepts it.
 */
export function samplingSeed(base: number, sampleIndex: number, turn?: number): number {
  const h = createHash('sha256').update(`${base}\u0000${sampleIndex}\u0000${turn ?? ''}`).digest();
  return h.readUInt32BE(0) & 0x7fffffff;
}
