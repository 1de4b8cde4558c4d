/**
 * Sets of real numbers as unions of intervals, for comparing an inequality with the interval it describes:
 * `-2 \le x \le 7` with `[-2, 7]`, `x > 3` with `(3, \infty)`, `|x - 1| < 2` with `(-1, 3)`,
 * `|x| > 2` with `(-\infty,-2) \cup (2,\infty)`, `x < 1 \text{ or } x > 4` with a union, and `-1 < g(t) < 4`
 * with `(-1, 4)` (the middle of a chain between two constants is the quantity whatever it is).
 *
 * An inequality is solved when its varying side is linear in one variable (`2x - 1 < 5`), the absolute
 * value of such a side, or anything else between constants (then read as the quantity itself).
 */
import type { Answer, RelOp } from './answerStructure';
import { closeNumbers } from './compareAnswers';
import { evaluate, variablesOf, type Expr } from './latexExpression';

export interface Interval {
  lo: number;
  hi: number;
  loClosed: boolean;
  hiClosed: boolean;
}

type Rel = Extract<Answer, { k: 'rel' }>;

function constant(a: Answer): number | undefined {
  if (a.k !== 'expr' || variablesOf(a.e).size > 0) return undefined;
  const v = evaluate(a.e, new Map());
  if (Number.isNaN(v.re) || Math.abs(v.im) > 1e-12) return undefined;
  return v.re;
}

/** `(a, b)`, `[a, b)`, … or a union of them; undefined for anything else. */
export function answerAsIntervals(a: Answer): Interval[] | undefined {
  if (a.k === 'union') {
    const parts = a.parts.map(answerAsIntervals);
    return parts.every((p) => p !== undefined) ? normalize(parts.flat() as Interval[]) : undefined;
  }
  if (a.k !== 'list' || a.items.length !== 2 || !(a.open === '(' || a.open === '[') || !(a.close === ')' || a.close === ']')) return undefined;
  const lo = constant(a.items[0]!);
  const hi = constant(a.items[1]!);
  if (lo === undefined || hi === undefined || !(lo <= hi)) return undefined;
  return normalize([{ lo, hi, loClosed: a.open === '[' && Number.isFinite(lo), hiClosed: a.close === ']' && Number.isFinite(hi) }]);
}

const STRICT: Partial<Record<RelOp, boolean>> = { '<': true, '>': true, '\\leq': false, '\\geq': false };
const FLIP: Partial<Record<RelOp, RelOp>> = { '<': '>', '>': '<', '\\leq': '\\geq', '\\geq': '\\leq' };

/** m ≈ a·v + b in a single variable v (checked at a third point), or undefined. */
function linear(e: Expr): { a: number; b: number } | undefined {
  const vars = variablesOf(e);
  if (vars.size !== 1) return undefined;
  const v = [...vars][0]!;
  const f = (t: number) => {
    const z = evaluate(e, new Map([[v, t]]));
    return Math.abs(z.im) > 1e-12 ? NaN : z.re;
  };
  const b = f(0);
  const a = f(1) - b;
  const c = f(2.5);
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || Math.abs(a) < 1e-12) return undefined;
  if (!closeNumbers(c, a * 2.5 + b, {})) return undefined;
  return { a, b };
}

const R: Interval = { lo: -Infinity, hi: Infinity, loClosed: false, hiClosed: false };

/** { t : t op c } for the quantity t itself. */
function ray(op: RelOp, c: number): Interval[] | undefined {
  switch (op) {
    case '<':
      return [{ ...R, hi: c }];
    case '\\leq':
      return [{ ...R, hi: c, hiClosed: true }];
    case '>':
      return [{ ...R, lo: c }];
    case '\\geq':
      return [{ ...R, lo: c, loClosed: true }];
    default:
      return undefined;
  }
}

/** { v : m(v) op c } for the varying side m. */
function solve(m: Expr, op: RelOp, c: number): Interval[] | undefined {
  if (m.t === 'fn' && m.name === 'abs') {
    const lin = linear(m.a);
    if (!lin) return undefined;
    // |a v + b| < c  ⇔  -c < a v + b < c
    const strict = STRICT[op];
    if (strict === undefined) return undefined;
    const below = op === '<' || op === '\\leq';
    if (below) {
      if (c < 0 || (c === 0 && strict)) return [];
      const p = (-c - lin.b) / lin.a;
      const q = (c - lin.b) / lin.a;
      return [{ lo: Math.min(p, q), hi: Math.max(p, q), loClosed: !strict, hiClosed: !strict }];
    }
    if (c < 0) return [R];
    const p = (-c - lin.b) / lin.a;
    const q = (c - lin.b) / lin.a;
    return normalize([
      { ...R, hi: Math.min(p, q), hiClosed: !strict },
      { ...R, lo: Math.max(p, q), loClosed: !strict },
    ]);
  }
  const lin = linear(m);
  if (lin) {
    const op2 = lin.a < 0 ? FLIP[op] : op;
    return op2 ? ray(op2, (c - lin.b) / lin.a) : undefined;
  }
  return ray(op, c);
}

function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const lo = Math.max(x.lo, y.lo);
      const hi = Math.min(x.hi, y.hi);
      const loClosed = (x.lo === lo ? x.loClosed : true) && (y.lo === lo ? y.loClosed : true);
      const hiClosed = (x.hi === hi ? x.hiClosed : true) && (y.hi === hi ? y.hiClosed : true);
      if (lo < hi || (lo === hi && loClosed && hiClosed)) out.push({ lo, hi, loClosed, hiClosed });
    }
  }
  return normalize(out);
}

function relSet(r: Rel): Interval[] | undefined {
  if (!r.ops.every((op) => STRICT[op] !== undefined)) return undefined;
  const sides = r.sides.map((s) => (s.k === 'expr' ? s : undefined));
  if (sides.some((s) => s === undefined)) return undefined;
  const consts = r.sides.map(constant);
  if (r.ops.length === 1) {
    if (consts[0] === undefined && consts[1] !== undefined) return solve(sides[0]!.e, r.ops[0]!, consts[1]);
    if (consts[1] === undefined && consts[0] !== undefined) return solve(sides[1]!.e, FLIP[r.ops[0]!]!, consts[0]);
    return undefined;
  }
  if (r.ops.length === 2 && consts[0] !== undefined && consts[1] === undefined && consts[2] !== undefined) {
    const m = sides[1]!.e;
    const left = solve(m, FLIP[r.ops[0]!]!, consts[0]);
    const right = solve(m, r.ops[1]!, consts[2]);
    return left && right ? intersect(left, right) : undefined;
  }
  return undefined;
}

/** The set an inequality (or a list of inequalities joined by "or") describes, or undefined. */
export function relationAsIntervals(a: Answer): Interval[] | undefined {
  if (a.k === 'rel') return relSet(a);
  if (a.k === 'list' && a.open === '' && a.items.length > 1 && a.items.every((x) => x.k === 'rel')) {
    const sets = a.items.map((x) => relSet(x as Rel));
    return sets.every((s) => s !== undefined) ? normalize((sets as Interval[][]).flat()) : undefined;
  }
  return undefined;
}

/** Sorted, with overlapping or touching pieces merged. */
function normalize(xs: Interval[]): Interval[] {
  const s = [...xs].sort((a, b) => a.lo - b.lo || Number(b.loClosed) - Number(a.loClosed));
  const out: Interval[] = [];
  for (const x of s) {
    const last = out[out.length - 1];
    if (last && (x.lo < last.hi || (x.lo === last.hi && (x.loClosed || last.hiClosed)))) {
      if (x.hi > last.hi) {
        last.hi = x.hi;
        last.hiClosed = x.hiClosed;
      } else if (x.hi === last.hi) last.hiClosed = last.hiClosed || x.hiClosed;
    } else out.push({ ...x });
  }
  return out;
}

function sameEnd(a: number, b: number, o: { precision?: number }): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return closeNumbers(a, b, o);
}

export function intervalsEqual(a: Interval[], b: Interval[], o: { precision?: number }): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      return sameEnd(x.lo, y.lo, o) && sameEnd(x.hi, y.hi, o) && x.loClosed === y.loClosed && x.hiClosed === y.hiClosed;
    })
  );
}
