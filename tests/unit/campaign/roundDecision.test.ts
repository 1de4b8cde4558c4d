import { judgedLevel, levelAccuracy, promotionPairs } from '../../../lib/campaign/roundDecision';

describe('the round decision rules', () => {
  it('judges the candidate on the frontier, or on the next level when the parent already masters the frontier', () => {
    const parent = { 2: { accuracy: 0.6, correct: 6, n: 10 } };
    expect(judgedLevel(parent, 2, 5, 0.7)).toBe(2);
    const mastered = { 2: { accuracy: 0.8, correct: 8, n: 10 } };
    expect(judgedLevel(mastered, 2, 5, 0.7)).toBe(3);
    // At the top level there is no next one.
    expect(judgedLevel(mastered, 4, 5, 0.7)).toBe(4);
    // A frontier never evaluated counts as not mastered.
    expect(judgedLevel({}, 1, 5, 0.7)).toBe(1);
  });

  it('pairs pass rates only where both models were evaluated', () => {
    const pairs = promotionPairs([
      { problemId: 'a', level: 1, samples: 4, parent: 1, base: 0, candidate: 3 },
      { problemId: 'b', level: 1, samples: 4, parent: 2, base: 0 },
      { problemId: 'c', level: 0, samples: 0, parent: 0, base: 0, candidate: 0 },
    ]);
    expect(pairs).toEqual([{ problemId: 'a', level: 1, candidate: 0.75, parent: 0.25 }]);
  });

  it('sums correct samples per level into accuracies', () => {
    expect(
      levelAccuracy([
        { level: 0, correct: 3, samples: 4 },
        { level: 0, correct: 1, samples: 4 },
        { level: 1, correct: 0, samples: 4 },
      ]),
    ).toEqual({ 0: { accuracy: 0.5, correct: 4, n: 8 }, 1: { accuracy: 0, correct: 0, n: 4 } });
  });
});
