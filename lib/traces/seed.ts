import { createHash } from 'node:crypto';

/**
 * The sampling seed of a request: a pure function of the base seed, the sample index and (in per-turn mode)
 * the turn, so a re-run sends exactly the same requests. 31 bits: every provider accepts it.
 */
export function samplingSeed(base: number, sampleIndex: number, turn?: number): number {
  const h = createHash('sha256').update(`${base}\u0000${sampleIndex}\u0000${turn ?? ''}`).digest();
  return h.readUInt32BE(0) & 0x7fffffff;
}

/**
 * The base seed of one round's samples: a pure function of the configured base seed and the round. Without it
 * every round of a campaign drew with the same seeds, so a round whose candidate was rejected was followed by
 * the same samples of the same (unchanged) model: the same band, the same traces, the same dataset, a round
 * wasted. Not of the campaign's name: the same config gives the same samples under any name (a re-run, a
 * benchmark), and `traces.seed` is the knob for other draws. 31 bits.
 */
export function roundSamplingSeed(base: number, round: number): number {
  const h = createHash('sha256').update(`round-seed\u0000${base}\u0000${round}`).digest();
  return h.readUInt32BE(0) & 0x7fffffff;
}
