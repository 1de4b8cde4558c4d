import { add, div, mul, parseDecimal, pow, sub, type Rational } from './rational';

/**
 * Evaluates a plain arithmetic expression exactly: numbers, + - * / ^, parentheses, unary minus (the claim
 * finder has already turned ×, ÷, \times, \cdot, \div and \frac{a}{b} into these). Undefined for anything
 * else: a side that is not plain arithmetic is not a claim this checker can judge.
 */
export function evaluate(text: string): Rational | undefined {
  const tokens = text.match(/\d[\d,]*(?:\.\d+)?|\.\d+|[-+*/^()]|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const num = /^(\d[\d,]*(?:\.\d+)?|\.\d+)$/;
  function primary(): Rational {
    const t = tokens[i++];
    if (t === undefined) throw new SyntaxError('end of expression');
    if (t === '(') {
      const v = sum();
      if (tokens[i++] !== ')') throw new SyntaxError('unbalanced parenthesis');
      return v;
    }
    if (t === '-') return sub(parseDecimal('0'), power());
    if (!num.test(t)) throw new SyntaxError(`not a number: ${t}`);
    // A comma that is not a thousands separator (`3,4`) is not a number of ours.
    if (t.includes(',') && !/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) throw new SyntaxError('not a number');
    return parseDecimal(t);
  }
  function power(): Rational {
    const base = primary();
    if (peek() === '^') {
      i++;
      return pow(base, power());
    }
    return base;
  }
  function product(): Rational {
    let v = power();
    while (peek() === '*' || peek() === '/') v = tokens[i++] === '*' ? mul(v, power()) : div(v, power());
    return v;
  }
  function sum(): Rational {
    let v = product();
    while (peek() === '+' || peek() === '-') v = tokens[i++] === '+' ? add(v, product()) : sub(v, product());
    return v;
  }
  try {
    if (tokens.length === 0) return undefined;
    const v = sum();
    return i === tokens.length ? v : undefined;
  } catch {
    return undefined;
  }
}
