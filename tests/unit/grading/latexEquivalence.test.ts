import { answersEquivalent, gradeAnswer } from '../../../lib/grading';

const eq = (gold: string, pred: string, opts = {}) => answersEquivalent(gold, pred, opts).equivalent;

describe('answersEquivalent (latex)', () => {
  it.each([
    ['\\frac{1}{2}', '0.5'],
    ['\\dfrac{3}{4}', '\\tfrac34'],
    ['\\left(3, \\frac{1}{2}\\right)', '(3,0.5)'],
    ['2\\sqrt{3}', '\\sqrt{12}'],
    ['\\frac{\\sqrt{2}}{2}', '\\frac{1}{\\sqrt2}'],
    ['x^2+2x+1', '(x+1)^2'],
    ['\\sin^2\\theta + \\cos^2\\theta', '1'],
    ['3+4i', '4i+3'],
    ['90^\\circ', '90'],
    ['5 \\text{ cm}^2', '5'],
    ['12\\%', '12'],
    ['x = 3', '3'],
    ['y = 2x + 1', '2x+1'],
    ['[-2, 7]', 'x \\in [-2,7]'],
    ['(-\\infty, 3) \\cup (5, \\infty)', '(5,\\infty)\\cup(-\\infty,3)'],
    ['\\{1, 2, 3\\}', '3, 2, 1'],
    ['1, -3', 'x = -3 \\text{ or } x = 1'],
    ['\\pm 2', '2, -2'],
    ['\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}', '\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}'],
    ['2x + 3y = 6', '4x + 6y = 12'],
    ['x > 2', '2 < x'],
    ['\\text{(B)}', 'B'],
    ['\\text{Monday}', '\\text{monday}'],
    ['101_2', '5'],
    ['\\$1,\\!250', '1250'],
  ])('%s is equivalent to %s', (gold, pred) => {
    expect(answersEquivalent(gold, pred)).toEqual({ equivalent: true, reason: 'match' });
  });

  it.each([
    ['\\frac{1}{2}', '0.51'],
    ['(1, 2)', '(2, 1)'],
    ['[0, 1)', '(0, 1)'],
    ['x^2+1', 'x^2-1'],
    ['x > 2', 'x \\geq 2'],
    ['x + y = 1', 'x - y = 1'],
    ['2x + 3y = 6', '-2x - 3y = 6'],
    ['a + 3z = 0', '0'],
    ['1, 2, 3', '1, 2'],
    ['\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}', '\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}'],
    ['\\text{Monday}', '\\text{Tuesday}'],
    ['2^{10}', '2^{10}+1'],
  ])('%s is not equivalent to %s', (gold, pred) => {
    expect(eq(gold, pred)).toBe(false);
  });

  it('extracts the answer from a whole response (boxes, final-answer phrases, last math)', () => {
    expect(eq('\\frac{2}{3}', 'We find $x = 1$, so the result is $\\boxed{\\frac23}$.')).toBe(true);
    expect(eq('34', 'Lots of work. Final Answer: The largest $n$ is 34. I hope it is correct.')).toBe(true);
    expect(eq('7', 'The value is $3+4$, which equals $7$.')).toBe(true);
  });

  it('honours precision and ordered lists when asked', () => {
    expect(eq('1/3', '0.333', { precision: 3 })).toBe(true);
    expect(eq('1/3', '0.333', { precision: 4 })).toBe(false);
    expect(eq('10, 4, -2', '4, 10, -2')).toBe(true);
    expect(eq('10, 4, -2', '4, 10, -2', { orderedLists: true })).toBe(false);
  });

  it('fails closed on unreadable input and reports which side', () => {
    expect(answersEquivalent('\\frac{1}{', '\\frac{1}{2}')).toEqual({ equivalent: false, reason: 'unparseable-gold' });
    expect(answersEquivalent('\\frac{1}{2}', '\\frac{1}{')).toEqual({ equivalent: false, reason: 'unparseable-pred' });
    expect(answersEquivalent('5', '')).toEqual({ equivalent: false, reason: 'no-answer' });
    expect(gradeAnswer('\\boxed{\\frac{1}{+}}', '\\frac12', 'latex').reason).toBe('unparseable');
  });

  it('stays bounded on pathological inputs and never calls them equal', () => {
    const nested = '('.repeat(5000) + '1' + ')'.repeat(5000);
    expect(eq(nested, '1')).toBe(false);
    expect(eq('2^{2^{2^{2^{2^{100}}}}}', '3^{3^{3^{3^{100}}}}')).toBe(false);
    expect(eq('1000000!', '999999!')).toBe(false);
    expect(eq('1, 2', Array.from({ length: 10000 }, (_, i) => String(i)).join(', '))).toBe(false);
    expect(answersEquivalent('1', '1', { timeoutMs: -1 }).equivalent).toBe(true); // identical text needs no evaluation
    expect(answersEquivalent('x+1', '1+x', { timeoutMs: -1 })).toEqual({ equivalent: false, reason: 'timeout' });
  });
});
