/**
 * Equivalence of two parsed answers.
 *
 * Numbers: equal within a relative tolerance of 1e-6 (|a-b| <= 1e-6·max(|a|,|b|), or |a-b| <= 1e-9 near 0);
 * two safe integers must be exactly equal (the tolerance would otherwise accept 1,000,001 for 1,000,000).
 * With `precision` p (Math-Verify's "digits"), values that agree to p decimal places (|a-b| <= 0.5·10^-p)
 * are equal too: 1/3 and 0.333 are equal at p = 3, not at p = 4.
 * Expressions with variables: evaluated at the same three fixed pseudo-random points (values in
 * (0.3, 2.3), so roots and logs stay real); equal when every point agrees. Percent answers (`20\%`)
 * equal both 20 and 0.2.
 * Lists: tuples and intervals (explicit `()`/`[]` on both sides) compare in order with the same brackets;
 * bare lists and `\{…\}` sets compare as sets, unless `orderedLists` (MATH's is_equiv convention).
 * Relations: `lhs - rhs` of both must be proportional (positive factor for inequalities, after turning
 * `>` into `<`).
 * Each comparison checks a deadline and throws ComparisonTimeout past it.
 */
import type { Complex } from './complex';
import { evaluate, variablesOf, type Expr } from './latexExpression';
import { MAX_ITEMS, type Answer, type RelOp } from './answerStructure';
import { answerAsIntervals, intervalsEqual, relationAsIntervals } from './intervals';

export interface CompareOptions {
  precision?: number;
  orderedLists?: boolean;
  /** false: variables are matched by position (`f(x)` equals `f(y)`), as Math-Verify's strict=False. */
  strict?: boolean;
  /** A gold set may equal a predicted relation (Math-Verify's allow_set_relation_comp). */
  allowSetRelationComp?: boolean;
  deadline: number;
}

export class ComparisonTimeout extends Error {}

const REL_TOL = 1e-6;
const ABS_TOL = 1e-9;
const POINTS = 3;

function checkDeadline(o: CompareOptions): void {
  if (Date.now() > o.deadline) throw new ComparisonTimeout('comparison deadline passed');
}

export function closeNumbers(a: number, b: number, o: Pick<CompareOptions, 'precision'>): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  // two exact integers (1,000,000 vs 1,000,001) must be equal, not merely close
  if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return a === b;
  const d = Math.abs(a - b);
  if (d <= ABS_TOL || d <= REL_TOL * Math.max(Math.abs(a), Math.abs(b))) return true;
  if (o.precision !== undefined && o.precision >= 0 && o.precision <= 15) {
    return d <= 0.5 * Math.pow(10, -o.precision) * (1 + 1e-9);
  }
  return false;
}

function closeComplex(a: Complex, b: Complex, o: CompareOptions): boolean {
  return closeNumbers(a.re, b.re, o) && closeNumbers(a.im, b.im, o);
}

/** Deterministic sample values per variable name and point (no Math.random: grades must be replayable). */
function sampleValue(name: string, point: number): number {
  let h = 2166136261 ^ point;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  h ^= h >>> 13;
  return 0.3 + ((h >>> 0) % 100000) / 50000;
}

function pointsFor(vars: Set<string>): Map<string, number>[] {
  if (vars.size === 0) return [new Map()];
  const pts: Map<string, number>[] = [];
  for (let p = 0; p < POINTS; p++) pts.push(new Map([...vars].map((v) => [v, sampleValue(v, p)])));
  return pts;
}

function validValue(z: Complex): boolean {
  return !Number.isNaN(z.re) && !Number.isNaN(z.im);
}

export function exprEqual(a: Expr, b: Expr, percentA: boolean, percentB: boolean, o: CompareOptions): boolean {
  checkDeadline(o);
  const vars = variablesOf(a);
  variablesOf(b, vars);
  const scalesA = percentA && !percentB ? [1, 0.01] : [1];
  const scalesB = percentB && !percentA ? [1, 0.01] : [1];
  for (const sa of scalesA) {
    for (const sb of scalesB) {
      let ok = true;
      let valid = 0;
      for (const pt of pointsFor(vars)) {
        const va = evaluate(a, pt);
        const vb = evaluate(b, pt);
        if (!validValue(va) && !validValue(vb)) continue;
        if (!validValue(va) || !validValue(vb)) {
          ok = false;
          break;
        }
        valid++;
        const sva = { re: va.re * sa, im: va.im * sa };
        const svb = { re: vb.re * sb, im: vb.im * sb };
        if (!closeComplex(sva, svb, o)) {
          ok = false;
          break;
        }
      }
      if (ok && valid > 0) return true;
    }
  }
  return false;
}

/** Both sides evaluated to nothing usable (NaN everywhere): the comparison cannot decide numerically. */
export function exprUndecidable(a: Expr, b: Expr): boolean {
  const vars = variablesOf(a);
  variablesOf(b, vars);
  return pointsFor(vars).every((pt) => !validValue(evaluate(a, pt)) && !validValue(evaluate(b, pt)));
}

function unwrap(a: Answer): Answer {
  while (a.k === 'list' && a.items.length === 1 && (a.open === '' || a.open === 'pm')) a = a.items[0]!;
  return a;
}

function isTupleBracket(open: string): boolean {
  return open === '(' || open === '[';
}

function setEqual(xs: Answer[], ys: Answer[], o: CompareOptions): boolean {
  if (xs.length > MAX_ITEMS || ys.length > MAX_ITEMS) return false;
  const covered = (from: Answer[], to: Answer[]) => from.every((x) => to.some((y) => answersEqual(x, y, o)));
  return covered(xs, ys) && covered(ys, xs);
}

function seqEqual(xs: Answer[], ys: Answer[], o: CompareOptions): boolean {
  return xs.length === ys.length && xs.every((x, i) => answersEqual(x, ys[i]!, o));
}

function exprOf(a: Answer): { e: Expr; percent: boolean } | undefined {
  return a.k === 'expr' ? { e: a.e, percent: a.percent } : undefined;
}

/** `a op b` as (f, op) with op in {<, ≤, =, ≠} and f = lhs - rhs (> and ≥ are flipped). */
function relationForm(lhs: Expr, op: RelOp, rhs: Expr): { f: Expr; op: string } {
  if (op === '>' || op === '\\geq') return { f: { t: 'sub', a: rhs, b: lhs }, op: op === '>' ? '<' : '\\leq' };
  return { f: { t: 'sub', a: lhs, b: rhs }, op: op === '\\approx' ? '=' : op };
}

function relEqual(a: Extract<Answer, { k: 'rel' }>, b: Extract<Answer, { k: 'rel' }>, o: CompareOptions): boolean {
  if (a.ops.length !== b.ops.length) return false;
  if (a.ops.length === 1) {
    const [la, ra] = a.sides.map(exprOf);
    const [lb, rb] = b.sides.map(exprOf);
    if (!la || !ra || !lb || !rb) {
      return a.ops[0] === b.ops[0] && seqEqual(a.sides, b.sides, o);
    }
    const fa = relationForm(la.e, a.ops[0]!, ra.e);
    const fb = relationForm(lb.e, b.ops[0]!, rb.e);
    if (fa.op !== fb.op) return false;
    return proportional(fa.f, fb.f, fa.op === '=' || fa.op === '\\neq' ? 'any' : 'positive', o);
  }
  // chains such as 1 < x \leq 3: same operators, same sides (or the whole chain reversed)
  const flip: Record<string, string> = { '<': '>', '>': '<', '\\leq': '\\geq', '\\geq': '\\leq' };
  if (a.ops.every((op, i) => op === b.ops[i]) && seqEqual(a.sides, b.sides, o)) return true;
  const rev = [...b.ops].reverse().map((op) => flip[op] ?? op);
  return a.ops.every((op, i) => op === rev[i]) && seqEqual(a.sides, [...b.sides].reverse(), o);
}

/** f = k·g for a constant k (non-zero; positive when `sign` is 'positive'), checked at the sample points. */
function proportional(f: Expr, g: Expr, sign: 'any' | 'positive', o: CompareOptions): boolean {
  checkDeadline(o);
  const vars = variablesOf(f);
  variablesOf(g, vars);
  let ratio: number | undefined;
  let valid = 0;
  for (const pt of pointsFor(vars)) {
    const vf = evaluate(f, pt);
    const vg = evaluate(g, pt);
    if (!validValue(vf) || !validValue(vg) || Math.abs(vf.im) > 1e-12 || Math.abs(vg.im) > 1e-12) return false;
    const zf = closeNumbers(vf.re, 0, o);
    const zg = closeNumbers(vg.re, 0, o);
    if (zf && zg) continue;
    if (zf !== zg) return false;
    const r = vf.re / vg.re;
    if (ratio === undefined) ratio = r;
    else if (!closeNumbers(r, ratio, { precision: undefined })) return false;
    valid++;
  }
  if (valid === 0) return true;
  return sign === 'any' ? ratio !== 0 : (ratio ?? 0) > 0;
}

export function answersEqual(x: Answer, y: Answer, o: CompareOptions): boolean {
  checkDeadline(o);
  const a = unwrap(x);
  const b = unwrap(y);
  if (a.k === 'unparsed' || b.k === 'unparsed') {
    return a.k === 'unparsed' && b.k === 'unparsed' && a.s.replace(/\s+/g, '') === b.s.replace(/\s+/g, '');
  }
  if (a.k === 'expr' && b.k === 'expr') return exprEqual(a.e, b.e, a.percent, b.percent, o);
  if (a.k === 'text' || b.k === 'text') {
    // a gold number written as text (`\\text{13}`) is a word, not the number 13; a predicted one is read as
    // its number (Math-Verify's asymmetric reading; `a` is the gold side)
    const numeric = (t: string) => /^[-+]?[\d.,\s]+$/.test(t);
    if (a.k === 'text' && numeric(a.s) && b.k !== 'text') return false;
    if (b.k === 'text' && numeric(b.s) && a.k !== 'text') {
      const v = Number(b.s.replace(/[,\s]/g, ''));
      if (a.k !== 'expr' || variablesOf(a.e).size > 0 || !Number.isFinite(v)) return false;
      const z = evaluate(a.e, new Map());
      return Math.abs(z.im) < 1e-12 && closeNumbers(z.re, v, o);
    }
    const ta = a.k === 'text' ? a.s : a.k === 'expr' ? a.src.replace(/\s+/g, '').toLowerCase() : undefined;
    const tb = b.k === 'text' ? b.s : b.k === 'expr' ? b.src.replace(/\s+/g, '').toLowerCase() : undefined;
    return ta !== undefined && tb !== undefined && ta.replace(/\s+/g, '') === tb.replace(/\s+/g, '');
  }
  if (a.k === 'list' && b.k === 'list') {
    if (isTupleBracket(a.open) && isTupleBracket(b.open)) {
      return a.open === b.open && a.close === b.close && seqEqual(a.items, b.items, o);
    }
    // a tuple against a bare list (`(1,3)` and `{1,3}` or `1, 3`): in order
    if (isTupleBracket(a.open) !== isTupleBracket(b.open) && (a.open === '' || b.open === '')) return seqEqual(a.items, b.items, o);
    if (o.orderedLists) return seqEqual(a.items, b.items, o);
    return setEqual(a.items, b.items, o);
  }
  if (a.k === 'union' && b.k === 'union') return setEqual(a.parts, b.parts, o);
  if (a.k === 'rel' && b.k === 'rel') return relEqual(a, b, o);
  if (a.k === 'matrix' && b.k === 'matrix') {
    return a.rows.length === b.rows.length && a.rows.every((r, i) => seqEqual(r, b.rows[i]!, o));
  }
  return false;
}

const isEquation = (a: Answer): a is Extract<Answer, { k: 'rel' }> => a.k === 'rel' && a.ops.every((op) => op === '=');

/** `x = 5+5+1 = 11` → `x = 11`: an assignment chain keeps its name and its last value. */
function truncateAssignment(a: Extract<Answer, { k: 'rel' }>): Answer {
  if (!a.assign || a.sides.length <= 2) return a;
  return { k: 'rel', ops: ['='], sides: [a.sides[0]!, a.sides[a.sides.length - 1]!], assign: true };
}

function exprVars(a: Answer, out: Set<string>): Set<string> {
  switch (a.k) {
    case 'expr':
      variablesOf(a.e, out);
      break;
    case 'list':
      a.items.forEach((x) => exprVars(x, out));
      break;
    case 'union':
      a.parts.forEach((x) => exprVars(x, out));
      break;
    case 'rel':
      a.sides.forEach((x) => exprVars(x, out));
      break;
    case 'matrix':
      a.rows.forEach((r) => r.forEach((x) => exprVars(x, out)));
      break;
  }
  return out;
}

function renameExpr(e: Expr, m: Map<string, string>): Expr {
  switch (e.t) {
    case 'var':
      return m.has(e.name) ? { t: 'var', name: m.get(e.name)! } : e;
    case 'num':
    case 'inf':
      return e;
    case 'neg':
    case 'fact':
      return { ...e, a: renameExpr(e.a, m) };
    case 'fn':
      return { ...e, a: renameExpr(e.a, m), base: e.base ? renameExpr(e.base, m) : undefined };
    default:
      return { ...e, a: renameExpr(e.a, m), b: renameExpr(e.b, m) };
  }
}

function renameAnswer(a: Answer, m: Map<string, string>): Answer {
  switch (a.k) {
    case 'expr':
      return { ...a, e: renameExpr(a.e, m) };
    case 'list':
      return { ...a, items: a.items.map((x) => renameAnswer(x, m)) };
    case 'union':
      return { ...a, parts: a.parts.map((x) => renameAnswer(x, m)) };
    case 'rel':
      return { ...a, sides: a.sides.map((x) => renameAnswer(x, m)) };
    case 'matrix':
      return { ...a, rows: a.rows.map((r) => r.map((x) => renameAnswer(x, m))) };
    default:
      return a;
  }
}

/** `\\boxed{5} or \\boxed{5.0}`: a bare list whose items are all one value is that value. */
function collapse(a: Answer, o: CompareOptions): Answer {
  if (a.k !== 'list' || a.open !== '' || a.items.length < 2 || a.items.length > 8) return a;
  return a.items.every((x) => answersEqual(a.items[0]!, x, o)) ? unwrap(a.items[0]!) : a;
}

/** Not strict: the prediction's variables take the gold's names, shared names kept, the rest in sorted order. */
function matchVariables(gold: Answer, pred: Answer): Answer {
  const gv = exprVars(gold, new Set());
  const pv = exprVars(pred, new Set());
  if (gv.size !== pv.size || gv.size === 0) return pred;
  const onlyP = [...pv].filter((v) => !gv.has(v)).sort();
  const onlyG = [...gv].filter((v) => !pv.has(v)).sort();
  if (onlyP.length === 0) return pred;
  return renameAnswer(pred, new Map(onlyP.map((v, i) => [v, onlyG[i]!])));
}

/**
 * The comparison of a whole gold answer with a whole prediction, with Math-Verify's reading of equations
 * (the gold decides): an assignment chain keeps its name and last value; a predicted equation against a
 * gold that is not one gives its right side (`x = 3` answers 3, so does `2b + d = 3`); a gold assignment
 * against a predicted value gives its value, but a gold equation that is not an assignment (`5 = 2b + d`)
 * equals only an equation. A gold inequality equals a predicted interval or union that it describes
 * (`-2 \le x \le 7` and `[-2, 7]`); the reverse only with `allowSetRelationComp`.
 */
export function answersEqualTop(gold: Answer, pred: Answer, o: CompareOptions): boolean {
  checkDeadline(o);
  let g = collapse(unwrap(gold), o);
  let p = collapse(unwrap(pred), o);
  if (o.strict === false) p = matchVariables(g, p);
  const gEq = isEquation(g);
  const pEq = isEquation(p);
  const gAssign = g.k === 'rel' && g.assign;
  if (g.k === 'rel') g = truncateAssignment(g);
  if (p.k === 'rel') p = truncateAssignment(p);
  if (pEq && !gEq) p = unwrap((p as Extract<Answer, { k: 'rel' }>).sides[(p as Extract<Answer, { k: 'rel' }>).sides.length - 1]!);
  else if (gAssign && !pEq) g = unwrap((g as Extract<Answer, { k: 'rel' }>).sides[(g as Extract<Answer, { k: 'rel' }>).sides.length - 1]!);
  const pSet = answerAsIntervals(p);
  if (pSet) {
    const gRel = relationAsIntervals(g);
    if (gRel) return intervalsEqual(gRel, pSet, o);
  }
  if (o.allowSetRelationComp) {
    const gSet = answerAsIntervals(g);
    const pRel = gSet ? relationAsIntervals(p) : undefined;
    if (gSet && pRel) return intervalsEqual(gSet, pRel, o);
  }
  return answersEqual(g, p, o);
}
