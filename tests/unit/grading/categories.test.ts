/**
 * The grader's rule categories on forms of our own (not strings from a test suite): extraction order,
 * intervals and inequalities, labelled equations against equations, numbers in locales and prose, units,
 * matrix expressions, strict and non-strict variables, and alternative boxes of one value.
 */
import { answersEquivalent, extractAnswerText } from '../../../lib/grading';
import type { EquivalenceOptions } from '../../../lib/grading';

const eq = (gold: string, pred: string, opts: EquivalenceOptions = {}) => answersEquivalent(gold, pred, opts).equivalent;
const yes = (gold: string, pred: string, opts: EquivalenceOptions = {}) => expect([gold, pred, eq(gold, pred, opts)]).toEqual([gold, pred, true]);
const no = (gold: string, pred: string, opts: EquivalenceOptions = {}) => expect([gold, pred, eq(gold, pred, opts)]).toEqual([gold, pred, false]);

describe('extraction order: box, then "final answer is … I hope", then a final-answer phrase, then the last LaTeX, then the last number', () => {
  it('a box wins over a later phrase that holds no answer', () => {
    yes('41', 'We try $7$. So \\boxed{41}. The final answer is the value in the box above.');
    yes('41', 'Thus $x = \\boxed{41}$, and that is our final answer.');
  });
  it('"The final answer is X. I hope" after a box wins, as in Math-Verify', () => {
    yes('12', 'At first \\boxed{11}. Final Answer: The final answer is $12$. I hope it is correct.');
  });
  it('without a box: the phrase, then the last math, then the last number of prose', () => {
    yes('6', 'Some $3$ work. The final answer is $6$, as shown.');
    yes('\\frac{3}{8}', 'We get \\[ \\frac{3}{8} \\] in the end.');
    yes('315', 'We sold 12 crates and earned 315 dollars');
    no('315', 'We sold 315 crates and earned 12 dollars');
  });
  it('alternative boxes of one value are one answer; of two values they are a list', () => {
    yes('23', 'So it is $\\boxed{23}$ or equivalently $\\boxed{\\frac{46}{2}}$.');
    no('23', 'It is $\\boxed{23}$ or $\\boxed{24}$.');
    yes('23, 24', 'It is $\\boxed{23}$ or $\\boxed{24}$.');
  });
  it('reads the answer text the same way extractAnswerText documents', () => {
    expect(extractAnswerText('x \\boxed{7} and the final answer is in the box')).toBe('7');
  });
});

describe('intervals and inequalities', () => {
  it('a chain of inequalities equals the interval it describes (gold relation, predicted set)', () => {
    yes('-3 \\le t \\le 8', 't \\in [-3, 8]');
    yes('-3 < t < 8', '(-3, 8)');
    yes('-3 < t \\leq 8', '(-3, 8]');
    no('-3 < t < 8', '[-3, 8]');
    no('-3 \\le t \\le 8', '[-3, 9]');
    yes('t \\geq 2', '[2, \\infty)');
    yes('t < 2', '(-\\infty, 2)');
    yes('8 > t > -3', '(-3, 8)');
    yes('-5 < 2t + 1 < 7', '(-3, 3)');
    yes('-1 < h(s) < 4', '(-1, 4)');
  });
  it('a gold set against a predicted relation only with allowSetRelationComp', () => {
    no('t \\in [-3, 8]', '-3 \\le t \\le 8');
    yes('t \\in [-3, 8]', '-3 \\le t \\le 8', { allowSetRelationComp: true });
    yes('(-\\infty, 1] \\cup (4, \\infty)', 'u \\le 1 \\text{ or } u > 4', { allowSetRelationComp: true });
  });
  it('bounds on an absolute value equal an interval or a union of two rays', () => {
    yes('|t - 2| \\le 3', '[-1, 5]');
    yes('|t + 2| < 3', '(-5, 1)');
    yes('|2t| > 6', '(-\\infty, -3) \\cup (3, \\infty)');
    no('|t - 2| \\le 3', '(-1, 5)');
  });
  it('lists of pairs written as assignments equal the tuples', () => {
    yes('(2,7),(4,9)', 'p=2,q=7;p=4,q=9');
    yes('(2,7),(4,9)', 'p=4,q=9;p=2,q=7');
    no('(2,7),(4,9)', 'p=2,q=7;p=4,q=8');
    yes('2, 7', '\\boxed{2}, \\boxed{7}');
  });
});

describe('equations: labels, chains, lines', () => {
  it('a labelled answer equals its value both ways', () => {
    yes('7', '|CD| = 7');
    yes('|CD| = 7', '7');
    yes('\\frac{5}{3}', '\\frac{PR}{RQ} = \\frac{5}{3}');
    yes('4', 'm\\angle B = 4');
    no('7', '|CD| = 8');
  });
  it('a chain keeps its last value; an approximation after it is a remark', () => {
    yes('\\frac{2}{9}', 'q = \\frac{2}{9} \\approx 0.22');
    yes('w = 12', 'w = 4 \\cdot 3 = 12');
    yes('12', 'w \\approx 12');
  });
  it('equivalent forms of a line or plane are equal; a different one is not', () => {
    yes('2x - 4y + 3 = 0', 'y = \\frac{x}{2} + \\frac{3}{4}');
    yes('x + 2y = 5', '3x + 6y = 15');
    no('x + 2y = 5', 'x - 2y = 5');
  });
  it('an equation whose left side is not a label is not one of its sides', () => {
    no('9 = 4p + q', '4p + q');
    no('9 = 4p + q', '9');
    no('a^2 + b = 4', '4');
    // a predicted equation against a gold value: its right side is the answer
    yes('9', '4p + q = 9');
  });
  it('different names in strict mode, matched by position when not strict', () => {
    no('w = 5', 'v = 5');
    yes('w = 5', 'v = 5', { strict: false });
    no('h(s) = 2s^2 - 1', 'h(u) = 2u^2 - 1');
    yes('h(s) = 2s^2 - 1', 'h(u) = 2u^2 - 1', { strict: false });
    no('h(s) = 2s^2 - 1', 'h(u) = 2u^2 + 1', { strict: false });
    yes('3a + b', '3c + b', { strict: false });
  });
});

describe('numbers: decimal commas, space thousands, currency in prose', () => {
  it('a decimal comma equals the decimal point when the other side is one number', () => {
    yes('43.25', '43,25');
    yes('43,25', '43.25');
    yes('0,375', '0.375');
    no('43.25', '43,26');
    // thousands separators stay thousands
    yes('43250', '43,250');
    // and a list stays a list against a list
    yes('3,4', '3, 4');
    no('3,4', '4, 5');
  });
  it('spaces between thousands', () => {
    yes('2450300', '2 450 300');
    yes('2450300.5', '2 450 300.5');
    no('2450300', '2 450 301');
  });
  it('a number inside prose with a currency, a decimal comma or thousands', () => {
    yes('86.40', 'Altogether she pays 86,40 € for the tickets.');
    yes('1250.5', 'The price comes to $1,250.50 in total');
    yes('4400', 'They raised 4 400 USD.');
    no('86.40', 'Altogether she pays 86,45 € for the tickets.');
  });
});

describe('units', () => {
  it('unit words and \\text, \\textnormal, \\mbox units go', () => {
    yes('36', '36 \\text{ m}^2');
    yes('36', '36\\textnormal{ km}');
    yes('36', '\\boxed{36 square feet}');
    yes('36', '36 cm²');
    yes('36', '\\boxed{36 \\mbox{ hours}}');
    no('36', '\\boxed{37 minutes}');
  });
  it('percent spelled out', () => {
    yes('45\\%', '45 percent');
    yes('45\\%', '\\boxed{45 \\text{ percent}}');
    yes('45\\%', '45 percentage');
    no('45\\%', '46 percent');
  });
  it('a letter after a number without a space is a variable, not a unit', () => {
    no('3', '3m');
  });
});

describe('matrices', () => {
  const M = (a: number, b: number, c: number, d: number) => `\\begin{pmatrix} ${a} & ${b} \\\\ ${c} & ${d} \\end{pmatrix}`;
  it('sums, differences, scalar multiples and products are evaluated', () => {
    yes(M(3, 1, 5, 9), `${M(1, 0, 2, 4)} + ${M(2, 1, 3, 5)}`);
    yes(M(-1, -1, -1, -1), `${M(1, 0, 2, 4)} - ${M(2, 1, 3, 5)}`);
    yes(M(3, 0, 6, 12), `3 ${M(1, 0, 2, 4)}`);
    yes(M(2, 1, 16, 22), `${M(1, 0, 2, 4)} ${M(2, 1, 3, 5)}`);
    yes(M(2, 1, 16, 22), `${M(1, 0, 2, 4)} \\cdot ${M(2, 1, 3, 5)}`);
    no(M(2, 1, 16, 22), `${M(2, 1, 3, 5)} ${M(1, 0, 2, 4)}`);
    no(M(3, 1, 5, 9), `${M(1, 0, 2, 4)} + ${M(2, 1, 3, 6)}`);
  });
  it('shapes that do not fit are never equal', () => {
    no(M(1, 0, 0, 1), `${M(1, 0, 0, 1)} + \\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}`);
  });
});

describe('lists and words', () => {
  it('a tuple against a bare list compares in order; sets compare as sets', () => {
    yes('(4,9)', '{4,9}');
    no('(9,4)', '{4,9}');
    yes('\\{4,9\\}', '\\{9,4\\}');
  });
  it('a gold number written as text is a word; a predicted one is its number (Math-Verify\'s reading)', () => {
    no('\\text{19}', '19');
    yes('19', '\\text{19}');
    yes('\\text{19}', '\\text{19}');
    yes('\\text{(C)}', 'C');
  });
});

describe('free text: an "answer" phrase, arithmetic and percent in prose', () => {
  it('the first value after the last "answer" wins over later numbers', () => {
    yes('8', 'The answer is $8$ since $8 > 3$.');
    yes('8', 'Answer: 8. The other option, 11, fails.');
    no('11', 'Answer: 8. The other option, 11, fails.');
  });
  it('plain arithmetic and percents in prose are read as values', () => {
    yes('18', 'Tripling 6 gives 18, as we verify: 18 = 3*6');
    yes('0.4', 'That is a 40% discount.');
    yes('40\\%', 'a discount of 40 percent');
    yes('4.5', 'Overall = 9/2');
  });
});
