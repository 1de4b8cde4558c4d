import { estimationSpec, roundSeed } from '../../../activities/estimation';
import { sampleKeyBase } from '../../../activities/sampling';
import type { ResolvedCampaignConfig } from '../../../lib/config/load';
import { roundSamplingSeed, samplingSeed } from '../../../lib/traces';

const configWith = (seed = 0): ResolvedCampaignConfig =>
  ({
    traces: { maxTurns: 16, finalCheckEvery: 2, verifyEvery: 4, temperature: 1, maxTokens: 512, seed, seedMode: 'per-sample', perProblem: 4 },
    estimation: { style: 'cot', mode: 'fixed', k: 4, batchSize: 4, temperature: 1, maxTokens: 80 },
  }) as unknown as ResolvedCampaignConfig;
const ctx = (round: number) => ({ round, model: 'parent-model' });

/** The seeds of the first samples a round sends for one problem. */
const requestSeeds = (round: number, config = configWith()) => Array.from({ length: 4 }, (_, i) => samplingSeed(estimationSpec(ctx(round), config).trace.seed ?? 0, i));

describe('per-round sampling seeds', () => {
  it('differ between rounds of the same model (a round after a rejected one draws new samples)', () => {
    // Rounds 4 and 5 of a campaign whose round-4 candidate was rejected: same parent model, same config.
    const config = configWith();
    expect(roundSeed(config, 4)).not.toBe(roundSeed(config, 5));
    expect(requestSeeds(4)).not.toEqual(requestSeeds(5));
    expect(sampleKeyBase(estimationSpec(ctx(4), config), 'p1').samplingParamsHash).not.toBe(sampleKeyBase(estimationSpec(ctx(5), config), 'p1').samplingParamsHash);
  });

  it('are a pure function of the configured seed and the round (a re-run, under any campaign name, draws the same)', () => {
    expect(roundSeed(configWith(), 4)).toBe(roundSamplingSeed(0, 4));
    expect(requestSeeds(4)).toEqual(requestSeeds(4));
    expect(roundSeed(configWith(7), 4)).not.toBe(roundSeed(configWith(0), 4));
    const s = roundSamplingSeed(3, 12);
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
  });
});
