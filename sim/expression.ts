/**
 * Arithmetic expressions as the sim's students work them: parsed with standard precedence, reduced one
 * operation per step, and written back out. A step's text ends with `Now: <expression>`, so the state of a
 * trajectory can be read back from the last step shown (which is how the sim continues, and how its verifier
 * checks, conversations it did not write itself).
 */

import { apply, type Op } from '../lib/curriculum/generators/arithmetic';

export { apply, type Op };
export type Expr = { kind: 'num'; value: number } | { kind: 'bin'; op: Op; left: Expr; right: Expr };

const PREC: Record<Op, number> = { '+': 1, '-': 1, '*': 2, '/': 2 };

/** Parsed texts (a trajectory's `Now:` lines repeat across the choices of a request and across requests). Exprs are never mutated. */
const parsed = new Map<string, Expr | undefined>();
const PARSED_MAX = 50_000;

/** Parses `3 + (4 * 5) - 2`; `×`, `÷` and `−` are accepted. Returns undefined when the text is not an expression. */
export function parseExpression(text: string): Expr | undefined {
  if (parsed.has(text)) return parsed.get(text);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  const e = parseUncached(text);
  parsed.set(text, e);
  return e;
}

function parseUncached(text: string): Expr | undefined {
  const src = text.replace(/×/g, '*').replace(/÷/g, '/').replace(/−/g, '-');
  const tokens = src.match(/\d+(?:\.\d+)?|[-+*/()]|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  function primary(): Expr | undefined {
    const t = tokens[i++];
    if (t === undefined) return undefined;
    if (t === '(') {
      const e = sum();
      if (tokens[i++] !== ')') return undefined;
      return e;
    }
    if (t === '-') {
      const e = primary();
      return e && e.kind === 'num' ? { kind: 'num', value: -e.value } : undefined;
    }
    if (/^\d/.test(t)) return { kind: 'num', value: Number(t) };
    return undefined;
  }
  function product(): Expr | undefined {
    let left = primary();
    while (left && (peek() === '*' || peek() === '/')) {
      const op = tokens[i++] as Op;
      const right = primary();
      if (!right) return undefined;
      left = { kind: 'bin', op, left, right };
    }
    return left;
  }
  function sum(): Expr | undefined {
    let left = product();
    while (left && (peek() === '+' || peek() === '-')) {
      const op = tokens[i++] as Op;
      const right = product();
      if (!right) return undefined;
      left = { kind: 'bin', op, left, right };
    }
    return left;
  }
  const e = sum();
  return e && i === tokens.length ? e : undefined;
}

/** The arithmetic expression inside a question such as "What is (3 + 4) * 5?", if there is one. */
export function expressionInQuestion(question: string): Expr | undefined {
  const runs = question.match(/[-(]*\d[\d\s.+\-*/×÷−()]*/g) ?? [];
  let best: Expr | undefined;
  for (const run of runs) {
    const trimmed = run.trim().replace(/[.\s]+$/, '');
    const e = parseExpression(trimmed);
    if (e && e.kind === 'bin' && (!best || operations(e) > operations(best))) best = e;
  }
  return best;
}

export function operations(e: Expr): number {
  return e.kind === 'num' ? 0 : 1 + operations(e.left) + operations(e.right);
}

export function evaluate(e: Expr): number {
  if (e.kind === 'num') return e.value;
  return apply(evaluate(e.left), e.op, evaluate(e.right));
}


export interface Reduction {
  a: number;
  op: Op;
  b: number;
  /** The value the step writes (the true result unless the caller passes a wrong one). */
  result: number;
  next: Expr;
}

/** Performs the next operation in evaluation order; `wrongBy` shifts its result (a wrong step). */
export function reduceOnce(e: Expr, wrongBy = 0): Reduction | undefined {
  if (e.kind === 'num') return undefined;
  if (e.left.kind === 'bin') {
    const r = reduceOnce(e.left, wrongBy);
    return r && { ...r, next: { ...e, left: r.next } };
  }
  if (e.right.kind === 'bin') {
    const r = reduceOnce(e.right, wrongBy);
    return r && { ...r, next: { ...e, right: r.next } };
  }
  const result = roundNumber(apply(e.left.value, e.op, e.right.value) + wrongBy);
  return { a: e.left.value, op: e.op, b: e.right.value, result, next: { kind: 'num', value: result } };
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(roundNumber(n));
}

function roundNumber(n: number): number {
  return Number.isInteger(n) ? n : Math.round(n * 1e6) / 1e6;
}

export function render(e: Expr, top = true): string {
  if (e.kind === 'num') return e.value < 0 && !top ? `(${formatNumber(e.value)})` : formatNumber(e.value);
  const p = PREC[e.op];
  const wrap = (c: Expr, right: boolean) => {
    const s = render(c, false);
    if (c.kind !== 'bin') return s;
    const cp = PREC[c.op];
    return cp < p || (right && cp === p) ? `(${s})` : s;
  };
  return `${wrap(e.left, false)} ${e.op} ${wrap(e.right, true)}`;
}
