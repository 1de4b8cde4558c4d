import { decideSkillPromotion } from '../../../lib/campaign/skillPromotion';
import { advanceSkills, allocate, campaignFrontier, evaluatedLevels, initialSkills, isRetryRound, nextSkillFrontier, skillJudgedLevel, type SkillOutcome, type SkillRule, type SkillState } from '../../../lib/campaign/skills';
import { stopReason } from '../../../lib/campaign/advance';
import type { ProblemPair } from '../../../lib/registry/decidePromotion';

const levels = [
  { index: 0, skill: 'a' },
  { index: 1, skill: 'a' },
  { index: 2, skill: 'b' },
  { index: 3, skill: 'b' },
  { index: 4, skill: 'c' },
];
const rule: SkillRule = { parkAfterRounds: 2, retryEvery: 3, retryShare: 0.05, floorShare: 0.1, candidatesPerRound: 100, problemsPerRound: 40 };
const state = (skill: string, over: Partial<SkillState> = {}): SkillState => ({ skill, frontier: 0, status: 'climbing', idleRounds: 0, samples: 0, ...over });
const outcome = (skill: string, over: Partial<SkillOutcome> = {}): SkillOutcome => ({ skill, estimated: true, retry: false, candidates: 10, inBand: 5, gain: false, next: { frontier: 0, top: false }, samples: 100, minBandSize: 3, ...over });

describe('per-skill state', () => {
  it('starts every skill at its first level from the start level', () => {
    expect(initialSkills(levels, 0).map((s) => [s.skill, s.frontier, s.status])).toEqual([['a', 0, 'climbing'], ['b', 2, 'climbing'], ['c', 4, 'climbing']]);
    expect(initialSkills(levels, 3).map((s) => [s.skill, s.frontier, s.status])).toEqual([['a', 1, 'done'], ['b', 3, 'climbing'], ['c', 4, 'climbing']]);
  });

  it('evaluates a skill up to the level above its frontier, a done skill on all its levels', () => {
    expect(evaluatedLevels([0, 1, 5], { frontier: 0, status: 'climbing' })).toEqual([0, 1]);
    expect(evaluatedLevels([0, 1, 5], { frontier: 5, status: 'climbing' })).toEqual([0, 1, 5]);
    expect(evaluatedLevels([0, 1, 5], { frontier: 1, status: 'done' })).toEqual([0, 1, 5]);
  });
});

describe('allocation', () => {
  it('gives each climbing skill the floor and the rest by in-band rate; done and parked skills nothing', () => {
    const a = allocate([state('a', { bandRate: 0.6 }), state('b', { bandRate: 0.2 }), state('c', { status: 'done' }), state('d', { status: 'parked', parkedRound: 1 })], 2, rule);
    expect(a.map((x) => x.share.toFixed(2))).toEqual(['0.70', '0.30', '0.00', '0.00']);
    expect(a.map((x) => x.candidates)).toEqual([70, 30, 0, 0]);
    expect(a.map((x) => x.problems)).toEqual([28, 12, 0, 0]);
  });

  it('gives a parked skill the retry share every retryEvery rounds after it was parked', () => {
    const parked = state('d', { status: 'parked', parkedRound: 2 });
    expect([3, 4, 5, 6, 8].map((r) => isRetryRound(parked, r, rule))).toEqual([false, false, true, false, true]);
    const a = allocate([state('a', { bandRate: 0 }), parked], 5, rule);
    expect(a.map((x) => x.share)).toEqual([0.95, 0.05]);
    expect(a[1]).toMatchObject({ retry: true, candidates: 5, problems: 2 });
  });

  it('splits equally before any estimation and when no skill had a band', () => {
    expect(allocate([state('a'), state('b')], 1, rule).map((x) => x.share)).toEqual([0.5, 0.5]);
    expect(allocate([state('a', { bandRate: 0 }), state('b', { bandRate: 0 })], 1, rule).map((x) => x.share)).toEqual([0.5, 0.5]);
  });
});

describe('advancement and status transitions', () => {
  const acc = (pairs: [number, number][]) => Object.fromEntries(pairs.map(([l, a]) => [l, { accuracy: a, correct: 0, n: 10 }]));

  it('moves a skill to its own next level, and past its last one reports top', () => {
    const base = { masteryThreshold: 0.7, frontierInBand: 5, minBandSize: 3, frontierMostlyAbove: false };
    expect(nextSkillFrontier([2, 5, 7], { ...base, frontier: 5, accuracy: acc([[5, 0.8]]) })).toMatchObject({ frontier: 7, top: false, reason: expect.stringMatching(/^level 5 /) });
    expect(nextSkillFrontier([2, 5, 7], { ...base, frontier: 7, accuracy: acc([[7, 0.9]]) })).toMatchObject({ frontier: 7, top: true });
    expect(nextSkillFrontier([2, 5, 7], { ...base, frontier: 2, accuracy: acc([[2, 0.5]]) })).toMatchObject({ frontier: 2, top: false });
  });

  it('judges a skill on its next level when the parent masters its frontier', () => {
    expect(skillJudgedLevel(acc([[2, 0.9]]), [2, 5], 2, 0.7)).toBe(5);
    expect(skillJudgedLevel(acc([[2, 0.5]]), [2, 5], 2, 0.7)).toBe(2);
    expect(skillJudgedLevel(acc([[5, 0.9]]), [2, 5], 5, 0.7)).toBe(5);
  });

  it('parks a skill after parkAfterRounds rounds without a band, with the reason, and counts its samples', () => {
    let s = [state('c', { frontier: 4 })];
    s = advanceSkills(s, [outcome('c', { inBand: 0, next: { frontier: 4, top: false } })], rule, 1);
    expect(s[0]).toMatchObject({ status: 'climbing', idleRounds: 1, samples: 100, bandRate: 0 });
    s = advanceSkills(s, [outcome('c', { inBand: 0, next: { frontier: 4, top: false } })], rule, 2);
    expect(s[0]).toMatchObject({ status: 'parked', parkedRound: 2, reason: 'no band (0 in band) at level 4 for 2 rounds', samples: 200 });
    // A retry that finds a band makes it climb again; one that does not leaves it parked.
    expect(advanceSkills(s, [outcome('c', { retry: true, inBand: 0, next: { frontier: 4, top: false } })], rule, 5)[0]!.status).toBe('parked');
    expect(advanceSkills(s, [outcome('c', { retry: true, inBand: 4, next: { frontier: 4, top: false } })], rule, 5)[0]).toMatchObject({ status: 'climbing', idleRounds: 0 });
  });

  it('parks for want of a promoted gain when the band was there, and a gain or a new level resets the count', () => {
    let s = [state('a', { idleRounds: 1 })];
    expect(advanceSkills(s, [outcome('a', { gain: true })], rule, 3)[0]!.idleRounds).toBe(0);
    expect(advanceSkills(s, [outcome('a', { next: { frontier: 1, top: false } })], rule, 3)[0]).toMatchObject({ idleRounds: 0, frontier: 1 });
    s = advanceSkills(s, [outcome('a')], rule, 3);
    expect(s[0]).toMatchObject({ status: 'parked', reason: 'no promoted gain at level 0 for 2 rounds' });
  });

  it('marks a skill done past its last level; the campaign stops once every skill is done', () => {
    const s = advanceSkills([state('a', { frontier: 1 }), state('b', { frontier: 2 })], [outcome('a', { next: { frontier: 1, top: true } }), outcome('b', { next: { frontier: 3, top: false } })], rule, 4);
    expect(s.map((x) => [x.status, x.frontier])).toEqual([['done', 1], ['climbing', 3]]);
    expect(campaignFrontier(s, 5)).toBe(3);
    expect(campaignFrontier(s.map((x) => ({ ...x, status: 'done' as const })), 5)).toBe(5);
    const stop = { round: 2, frontier: 0, levelCount: 5, maxRounds: 10, roundsWithoutPromotion: 0, maxRoundsWithoutPromotion: 3 };
    expect(stopReason({ ...stop, skills: s })).toBeUndefined();
    expect(stopReason({ ...stop, skills: s.map((x) => ({ ...x, status: 'done' })) })).toMatch(/every skill \(2\) mastered/);
  });
});

describe('promotion per skill', () => {
  const rulePromo = { minEffect: 0.02, tolerance: 0.05, confidence: 0.95, resamples: 500, seed: 'x' };
  const pairs = (level: number, candidate: number, parent: number, n = 12): ProblemPair[] => Array.from({ length: n }, (_, i) => ({ problemId: `${level}-${i}`, level, candidate: i % 2 ? candidate + 0.05 : candidate - 0.05, parent }));
  const levelsOf = (s: string) => (s === 'a' ? [0, 1] : s === 'b' ? [2, 3] : [4]);

  it('promotes on one skill\'s gain when no skill regresses', () => {
    const d = decideSkillPromotion([...pairs(1, 0.8, 0.4), ...pairs(0, 0.9, 0.9), ...pairs(2, 0.5, 0.5)], [{ skill: 'a', judged: 1, trained: true }, { skill: 'b', judged: 2, trained: true }], levelsOf, rulePromo);
    expect(d.promote).toBe(true);
    expect(d.skills.map((v) => v.gain)).toEqual([true, false]);
    expect(d.reason).toMatch(/better on a level 1/);
  });

  it('rejects when another skill, trained this round or not, regresses beyond the tolerance', () => {
    const d = decideSkillPromotion([...pairs(1, 0.8, 0.4), ...pairs(2, 0.3, 0.9)], [{ skill: 'a', judged: 1, trained: true }, { skill: 'b', judged: 2, trained: false }], levelsOf, rulePromo);
    expect(d.promote).toBe(false);
    expect(d.skills[1]!.regressed?.level).toBe(2);
    expect(d.reason).toMatch(/regressed on b level 2/);
  });

  it('takes no gain from a skill the round did not train on', () => {
    const d = decideSkillPromotion(pairs(2, 0.9, 0.4), [{ skill: 'b', judged: 2, trained: false }], levelsOf, rulePromo);
    expect(d.promote).toBe(false);
    expect(d.reason).toMatch(/no skill gained/);
  });
});
