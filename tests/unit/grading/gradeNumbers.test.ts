import { gradeAnswer, VERIFIER_VERSION } from '../../../lib/grading';

const box = (s: string) => `Step 2: finish\n\\boxed{${s}}`;

describe('gradeAnswer with answerType number', () => {
  it.each([
    ['1000', '1,000'],
    ['7425000', '7,425,000'],
    ['18', '\\$18'],
    ['18', '$18.00'],
    ['25', '25\\%'],
    ['1000', '1000.0'],
    ['0.75', '3/4'],
    ['0.75', '\\frac{3}{4}'],
    ['-5', '- 5'],
    ['1500', '1.5e3'],
    ['1500', '1.5 \\times 10^{3}'],
    ['0.4', '.4'],
    ['10', '10 \\text{ apples}'],
  ])('gold %s matches %s', (gold, pred) => {
    const g = gradeAnswer(box(pred), gold, 'number');
    expect(g).toEqual({ correct: true, extracted: pred, reason: 'match', verifierVersion: VERIFIER_VERSION });
  });

  it('uses a relative tolerance of 1e-6', () => {
    expect(gradeAnswer(box('1000000.5'), '1000000', 'number').correct).toBe(true);
    expect(gradeAnswer(box('1000.5'), '1000', 'number').correct).toBe(false);
    expect(gradeAnswer(box('0.333'), '1/3', 'number').reason).toBe('mismatch');
  });

  it('tells mismatch, no-answer and unparseable apart, and never accepts what it cannot read', () => {
    expect(gradeAnswer(box('71'), '72', 'number').reason).toBe('mismatch');
    expect(gradeAnswer('I give up', '72', 'number')).toEqual({ correct: false, reason: 'no-answer', verifierVersion: VERIFIER_VERSION });
    const badGold = gradeAnswer(box('x'), 'not a number', 'number');
    expect(badGold.correct).toBe(false);
    expect(badGold.reason).toBe('unparseable');
    const badPred = gradeAnswer(box('3 +* ('), '3', 'number');
    expect(badPred).toMatchObject({ correct: false, reason: 'unparseable' });
    expect(gradeAnswer(box('x+1'), '3', 'number').correct).toBe(false);
  });

  it('reads the project\'s other final-answer formats', () => {
    expect(gradeAnswer('<answer>72</answer>', '72', 'number').correct).toBe(true);
    expect(gradeAnswer('so\nFinal answer: $72', '72', 'number').correct).toBe(true);
    expect(gradeAnswer('#### 72', '72', 'number').correct).toBe(true);
  });
});
