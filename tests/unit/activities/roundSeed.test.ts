import { estimationSpec, roundSeed } from '../../../activities/estimation';
import { sampleKeyBase } from '../../../activities/sampling';
import type { RoundInput } from '../../../lib/campaign/types';
import { roundSamplingSeed, samplingSeed } from '../../../lib/traces';

const ctx = (round: number, seedPerRound: boolean | undefined, campaign = 'c1', seed = 0): RoundInput =>
  ({
    campaign,
    round,
    frontier: 3,
    levelCount: 8,
    model: 'parent-model',
    baseModel: 'base',
    attempt: 1,
    ...(seedPerRound === undefined ? {} : { seedPerRound }),
    config: {
      traces: { maxTurns: 16, finalCheckEvery: 2, verifyEvery: 4, temperature: 1, maxTokens: 512, seed, seedMode: 'per-sample', perProblem: 4 },
      estimation: { style: 'cot', mode: 'fixed', k: 4, batchSize: 4, temperature: 1, maxTokens: 80 },
    },
  }) as unknown as RoundInput;

/** The seeds of the first samples a round sends for one problem. */
const requestSeeds = (c: RoundInput) => Array.from({ length: 4 }, (_, i) => samplingSeed(estimationSpec(c).trace.seed ?? 0, i));

describe('per-round sampling seeds', () => {
  it('differ between rounds of the same model (a round after a rejected one draws new samples)', () => {
    // Rounds 4 and 5 of a campaign whose round-4 candidate was rejected: same parent model, same config.
    const r4 = ctx(4, true);
    const r5 = ctx(5, true);
    expect(roundSeed(r4)).not.toBe(roundSeed(r5));
    expect(requestSeeds(r4)).not.toEqual(requestSeeds(r5));
    expect(sampleKeyBase(estimationSpec(r4), 'p1').samplingParamsHash).not.toBe(sampleKeyBase(estimationSpec(r5), 'p1').samplingParamsHash);
    // The same config draws the same under any campaign name (a re-run, a benchmark).
    expect(roundSeed(ctx(4, true, 'c2'))).toBe(roundSeed(r4));
  });

  it('are a pure function of the configured seed and the round (a re-run draws the same)', () => {
    expect(roundSeed(ctx(4, true))).toBe(roundSamplingSeed(0, 4));
    expect(requestSeeds(ctx(4, true))).toEqual(requestSeeds(ctx(4, true)));
    expect(roundSeed(ctx(4, true, 'c1', 7))).not.toBe(roundSeed(ctx(4, true, 'c1', 0)));
    const s = roundSamplingSeed(3, 12);
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
  });

  it('keep traces.seed for rounds recorded before them (no seedPerRound in the input)', () => {
    expect(roundSeed(ctx(4, undefined, 'c1', 5))).toBe(5);
    expect(roundSeed(ctx(5, false, 'c1', 5))).toBe(5);
    expect(estimationSpec(ctx(4, undefined)).trace.seed).toBe(0);
  });
});
