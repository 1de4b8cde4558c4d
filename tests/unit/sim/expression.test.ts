import { evaluate, expressionInQuestion, parseExpression, reduceOnce, render } from '../../../sim/expression';

describe('sim arithmetic expressions', () => {
  it('finds and evaluates the expression of a generated question', () => {
    const e = expressionInQuestion('What is (18 - 14) * 74?')!;
    expect(render(e)).toBe('(18 - 14) * 74');
    expect(evaluate(e)).toBe(296);
  });

  it('reduces one operation per step in evaluation order', () => {
    let e = parseExpression('12 - 3 - 4 * 2')!;
    const seen: string[] = [];
    for (let r = reduceOnce(e); r; r = reduceOnce(e)) {
      seen.push(render(r.next));
      e = r.next;
    }
    expect(seen).toEqual(['9 - 4 * 2', '9 - 8', '1']);
  });

  it('writes a wrong step that propagates', () => {
    const r = reduceOnce(parseExpression('(2 + 3) * 10')!, 1)!;
    expect(render(r.next)).toBe('6 * 10');
    expect(evaluate(r.next)).toBe(60);
  });

  it('keeps parentheses that matter', () => {
    expect(render(parseExpression('10 - (3 - 2)')!)).toBe('10 - (3 - 2)');
    expect(evaluate(parseExpression('10 - (3 - 2)')!)).toBe(9);
    expect(parseExpression('3 + ')).toBeUndefined();
  });
});
