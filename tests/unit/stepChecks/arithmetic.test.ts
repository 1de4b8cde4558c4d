import { arithmeticClaims, arithmeticChecker } from '../../../lib/stepChecks/arithmeticClaims';
import { checkTrace } from '../../../lib/stepChecks/checkTrace';
import { traceOf } from './helpers';

const claims = (t: string) => arithmeticClaims(t).map((c) => [c.text, c.ok]);

describe('arithmeticClaims: every `a op b = c` recomputed exactly', () => {
  it('finds right and wrong claims, chains, decimals, fractions, thousands, LaTeX and unicode operators', () => {
    expect(claims('So 12 - 5 = 7 and 7 * 3 = 22.')).toEqual([['12 - 5 = 7', true], ['7 * 3 = 22', false]]);
    expect(claims('total: 3 + 4 + 5 = 12 = 24 / 2')).toEqual([['3 + 4 + 5 = 12 = 24 / 2', true]]);
    expect(claims('0.1 + 0.2 = 0.3, and 1/3 + 1/6 = 1/2')).toEqual([['0.1 + 0.2 = 0.3', true], ['1/3 + 1/6 = 1/2', true]]);
    expect(claims('1,200 + 800 = 2,000')).toEqual([['1,200 + 800 = 2,000', true]]);
    expect(claims('$6 \\times 7 = 42$ and $\\frac{3}{4} \\cdot 8 = 6$ and 9 ÷ 3 = 4')).toEqual([['6 * 7 = 42', true], ['((3)/(4)) * 8 = 6', true], ['9 / 3 = 4', false]]);
    expect(claims('(2 + 3)^2 = 25, -3 + 5 = 2, 2^-1 = 0.5')).toEqual([['(2 + 3)^2 = 25', true], ['-3 + 5 = 2', true], ['2^-1 = 0.5', true]]);
  });

  it('checks the chain after a variable, not the variable: x = 12 / 4 = 3', () => {
    expect(claims('x = 12 / 4 = 3')).toEqual([['12 / 4 = 3', true]]);
    expect(claims('x = 12 / 4 = 4')).toEqual([['12 / 4 = 4', false]]);
  });

  it('exact: a rounded decimal is not equal (write ≈ for that)', () => {
    expect(claims('10 / 3 = 3.33')).toEqual([['10 / 3 = 3.33', false]]);
    expect(claims('10 / 3 ≈ 3.33')).toEqual([]);
  });

  it('leaves alone what is not plain arithmetic: variables, percentages, units glued on, no operator, comparisons', () => {
    for (const t of ['2x + 3 = 11', 'x + 3 = 11', '3x = 12', '50% of 80 = 40', 'a = 5', 'price = $12', 'if 3 + 4 <= 7', '4 + 4 = 8x', 'n - 1 = 4', 'Step 1: compute', '1 == 1', '5 = 5', 'x^2 + 1 = 5']) expect(claims(t)).toEqual([]);
  });

  it('the checker fails the steps with a wrong claim and says why; a redone step counts by its redo', async () => {
    const c = [arithmeticChecker()];
    const valid = traceOf('q', ['Step 1: 3 + 4 = 7', 'Step 2: 7 * 2 = 14', '\\boxed{14}']);
    expect((await checkTrace(valid, { question: 'q', answer: '14' }, c))[0]).toEqual({ checker: 'arithmetic', checked: 2, failed: [] });
    const invalid = traceOf('q', ['Step 1: 3 + 4 = 7', 'Step 2: 7 * 2 = 15', '\\boxed{15}']);
    expect((await checkTrace(invalid, { question: 'q', answer: '14' }, c))[0]!.failed).toEqual([{ step: 2, messageIndex: 3, reason: '`7 * 2 = 15`: 7 * 2 is 14, not 15' }]);
    const redone = traceOf('q', ['Step 1: 3 + 4 = 7', { corrected: 'Step 2: 7 * 2 = 15' }, { user: 'redo step 2' }, 'Step 2: 7 * 2 = 14', '\\boxed{14}']);
    expect((await checkTrace(redone, { question: 'q', answer: '14' }, c))[0]!.failed).toEqual([]);
    const badRedo = traceOf('q', ['Step 1: 3 + 4 = 7', { corrected: 'Step 2: 7 * 2 = 15' }, { user: 'redo step 2' }, 'Step 2: 7 * 2 = 13', '\\boxed{14}']);
    expect((await checkTrace(badRedo, { question: 'q', answer: '14' }, c))[0]!.failed.map((f) => [f.step, f.messageIndex])).toEqual([[2, 5]]);
  });
});
