import { decidePromotion, type ProblemPair, type PromotionEvidence } from '../../../lib/registry/decidePromotion';
import { intervalLevel, otherFieldsText, plain, promotionText, signed } from '../../../lib/report/decision';

/** The lineage table's decision column in words: the evidence's effect, interval and threshold, never JSON. */
const level = (lv: number, estimate: number, lower: number, upper: number, problems = 8) => ({ level: lv, problems, candidate: 0.5 + estimate, parent: 0.5, estimate, lower, upper });
const evidence = (frontier: ReturnType<typeof level>, below: ReturnType<typeof level>[] = []): PromotionEvidence => ({
  test: 'paired bootstrap',
  confidence: 0.95,
  minEffect: 0.02,
  tolerance: 0.05,
  frontier,
  below,
});

describe('promotion evidence in words', () => {
  it('promoted: the effect on the frontier, its 90% interval (two one-sided 95% bounds) and the threshold', () => {
    expect(promotionText('promoted', evidence(level(5, 0.12, 0.03, 0.21)))).toBe('promoted: +0.12 on level 5 (90% interval +0.03 to +0.21, 8 problems, needed lower end > +0.02)');
    expect(promotionText('promoted', evidence(level(2, 0.1, 0.04, 0.16), [level(0, 0, -0.02, 0.02), level(1, -0.01, -0.05, 0.03)]))).toBe(
      'promoted: +0.10 on level 2 (90% interval +0.04 to +0.16, 8 problems, needed lower end > +0.02); no drop beyond 0.05 on levels 0, 1',
    );
  });

  it('rejected: no confident gain, or a regression below the frontier', () => {
    expect(promotionText('rejected', evidence(level(3, 0.01, -0.05, 0.07)))).toBe('rejected: +0.01 on level 3 (90% interval \u22120.05 to +0.07, 8 problems, needed lower end > +0.02)');
    expect(promotionText('rejected', evidence(level(3, 0.12, 0.05, 0.2), [level(1, -0.1, -0.18, -0.02)]))).toBe(
      'rejected: regressed \u22120.10 on level 1 (90% interval \u22120.18 to \u22120.02, 8 problems, a drop beyond the 0.05 allowed), although +0.12 on level 3 (90% interval +0.05 to +0.20, 8 problems, needed lower end > +0.02)',
    );
  });

  it('says so when too few problems gave no interval, and is silent for base models and missing evidence', () => {
    expect(promotionText('rejected', evidence(level(4, 0.5, -1, 1, 1)))).toBe('rejected: +0.50 on level 4 (1 problem, too few for an interval, needed lower end > +0.02)');
    expect(promotionText('base', evidence(level(4, 0, 0, 0)))).toBeUndefined();
    expect(promotionText('promoted', undefined)).toBeUndefined();
  });

  it('matches what decidePromotion decided on real evidence', () => {
    const pairs: ProblemPair[] = Array.from({ length: 20 }, (_, i) => ({ problemId: `p${i}`, level: 2, candidate: i % 4 === 0 ? 0.5 : 1, parent: i % 5 === 0 ? 0.5 : 0 }));
    const d = decidePromotion({ pairs, frontierLevel: 2, rule: { minEffect: 0.02, tolerance: 0.05, confidence: 0.95, resamples: 500, seed: 's' } });
    expect(d.promote).toBe(true);
    expect(promotionText('promoted', d.evidence)).toMatch(/^promoted: \+0\.\d\d on level 2 \(90% interval \+0\.\d\d to \+0\.\d\d, 20 problems, needed lower end > \+0\.02\)$/);
  });

  it('formats differences with a sign and the interval level from the one-sided confidence', () => {
    expect([signed(0.123), signed(-0.05), signed(0), signed(-0.0001)]).toEqual(['+0.12', '\u22120.05', '+0.00', '+0.00']);
    expect([intervalLevel(0.95), intervalLevel(0.975), intervalLevel(0.9)]).toEqual(['90%', '95%', '80%']);
  });
});

describe('other registry fields in words', () => {
  it('shows a deployment as what served the model, and other fields without JSON punctuation', () => {
    const text = otherFieldsText({
      modelId: 'm',
      status: 'promoted',
      promotionEvidence: { test: 'x' },
      deployment: { id: 'dep-1', provider: 'fireworks', servedModel: 'accounts/a/deployedModels/m', createdAt: 't', deletedAt: 'u', runningSeconds: 7200 },
      futureField: { skill: 'add', gain: 0.123456, levels: [1, 2] },
    });
    expect(text).toBe('deployment dep-1 on fireworks, served as accounts/a/deployedModels/m, ran 2.00 h (torn down); futureField: skill add, gain 0.1235, levels (1, 2)');
    expect(text).not.toMatch(/[{}"[\]]/);
    expect(plain(null)).toBe('none');
  });
});
