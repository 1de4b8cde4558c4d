import { canonicalJson, seededRandom } from '../random';
import type { ArithmeticOptions } from './arithmeticOptions';

/** A generated problem before the loader gives it an id, a level and a held-out flag. */
export interface GeneratedProblem {
  question: string;
  answer: string;
  steps: number;
}

export type Op = '+' | '-' | '*' | '/';

/** Thrown when the options cannot produce `count` distinct problems (e.g. 1-digit sums without carries). */
export class GeneratorExhaustedError extends Error {}

/**
 * Deterministic arithmetic problems: the same options and seed always give the same problems, in the same
 * order. Expressions are evaluated left to right; parentheses are written where standard precedence would
 * differ, so the written question always means what was computed. Results are never negative, divisions
 * are always exact.
 */
export function generateArithmetic(options: ArithmeticOptions, seed: number): GeneratedProblem[] {
  const { seed: _ignored, ...rest } = options;
  const rand = seededRandom(`arithmetic:${seed}:${canonicalJson(rest)}`);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const lo = options.digits === 1 ? 1 : 10 ** (options.digits - 1);
  const hi = 10 ** options.digits - 1;

  const seen = new Set<string>();
  const out: GeneratedProblem[] = [];
  const budget = options.count * 1000;
  // Impossible counts end fast: a long run of draws with nothing new means the options are exhausted
  // (the run needed grows with what was found, so a large but possible count is not cut short).
  let sinceNew = 0;
  for (let attempt = 0; attempt < budget && out.length < options.count && sinceNew < 10_000 + 20 * out.length; attempt++) {
    const p = candidate();
    if (p && !seen.has(p.question)) {
      seen.add(p.question);
      out.push(p);
      sinceNew = 0;
    } else sinceNew++;
  }
  if (out.length < options.count)
    throw new GeneratorExhaustedError(
      `these options give only ${out.length} distinct problems, fewer than count ${options.count}; lower count or widen digits/operators/carries`,
    );
  return out;

  function candidate(): GeneratedProblem | undefined {
    let value = int(lo, hi);
    let expr = String(value);
    let lastOp: Op | undefined;
    let carried = false;
    for (let i = 1; i < options.terms; i++) {
      const op = options.operators[int(0, options.operators.length - 1)]!;
      let b: number;
      if (op === '/') {
        if (i === 1) {
          // Build the dividend from divisor and quotient so the first division is always exact.
          b = int(Math.max(lo, 2), Math.max(hi, 2));
          value = b * int(lo, hi);
          expr = String(value);
        } else {
          const divisors: number[] = [];
          for (let d = Math.max(lo, 2); d <= hi && d <= value; d++) if (value % d === 0) divisors.push(d);
          if (divisors.length === 0) return undefined;
          b = divisors[int(0, divisors.length - 1)]!;
        }
      } else if (op === '-') {
        if (value < lo) return undefined;
        b = int(lo, Math.min(hi, value));
      } else {
        b = int(lo, hi);
      }
      if ((op === '+' || op === '-') && hasCarry(value, b, op)) carried = true;
      if ((op === '*' || op === '/') && (lastOp === '+' || lastOp === '-')) expr = `(${expr})`;
      expr = `${expr} ${op} ${b}`;
      value = apply(value, op, b);
      lastOp = op;
    }
    if (options.carries === 'force' && !carried) return undefined;
    if (options.carries === 'avoid' && carried) return undefined;
    if (!Number.isSafeInteger(value)) return undefined;
    return { question: `What is ${expr}?`, answer: String(value), steps: options.terms - 1 };
  }
}

/** One arithmetic operation; division by zero is NaN (never a valid answer). */
export function apply(a: number, op: Op, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? NaN : a / b;
  }
}

/** Whether column addition carries (for +) or column subtraction borrows (for -, with a >= b). */
export function hasCarry(a: number, b: number, op: '+' | '-'): boolean {
  let carry = 0;
  while (a > 0 || b > 0) {
    const da = a % 10;
    const db = b % 10;
    if (op === '+') {
      carry = da + db + carry >= 10 ? 1 : 0;
    } else {
      carry = da - db - carry < 0 ? 1 : 0;
    }
    if (carry) return true;
    a = Math.floor(a / 10);
    b = Math.floor(b / 10);
  }
  return false;
}
