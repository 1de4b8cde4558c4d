/**
 * @cortex-js/compute-engine as the wide LaTeX reader behind our own small parser: when latexExpression.ts
 * does not know a construct (`\lfloor`, `0.\overline{3}`, `\log_2` spelled oddly, …), the Compute Engine
 * parses it to MathJSON, which we translate into the same expression tree and evaluate with the same
 * bounded evaluator. Only the parse runs inside the library, on an input of at most CE_MAX_CHARS.
 *
 * Loading: the package is `"type": "module"` but its `require` entry is a UMD bundle, so a plain
 * `require()` yields an empty module under Node 20 CommonJS. We evaluate that bundle with a CommonJS
 * `exports` object (what its UMD header expects); the engine is created once, lazily.
 */
import * as fs from 'node:fs';
import * as vm from 'node:vm';
import { c, type Complex } from './complex';
import type { Expr } from './latexExpression';

const CE_MAX_CHARS = 300;

interface BoxedExpressionLike {
  json: unknown;
}
interface ComputeEngineLike {
  parse(latex: string, options?: { canonical?: boolean }): BoxedExpressionLike;
}

let engine: ComputeEngineLike | null | undefined;

function loadEngine(): ComputeEngineLike | null {
  if (engine !== undefined) return engine;
  try {
    const file = require.resolve('@cortex-js/compute-engine');
    const src = fs.readFileSync(file, 'utf8');
    const mod: { exports: Record<string, unknown> } = { exports: {} };
    const fn = vm.runInThisContext(`(function (exports, module) {${src}\n})`, { filename: file }) as (
      e: Record<string, unknown>,
      m: unknown,
    ) => void;
    fn(mod.exports, mod);
    const Ctor = mod.exports.ComputeEngine as (new () => ComputeEngineLike) | undefined;
    engine = Ctor ? new Ctor() : null;
  } catch {
    engine = null;
  }
  return engine;
}

/** True when the Compute Engine could be loaded (reported by the bench). */
export function computeEngineAvailable(): boolean {
  return loadEngine() !== null;
}

export let computeEngineCalls = 0;

/** Parses with the Compute Engine; undefined when it fails, reports an error, or uses an unknown head. */
export function parseWithComputeEngine(latex: string): Expr | undefined {
  if (latex.length > CE_MAX_CHARS) return undefined;
  const ce = loadEngine();
  if (!ce) return undefined;
  computeEngineCalls++;
  try {
    return fromMathJson(ce.parse(latex, { canonical: false }).json, 0);
  } catch {
    return undefined;
  }
}

const num = (v: number): Expr => ({ t: 'num', v: c(v) });
const SYMBOLS: Record<string, Complex> = { Pi: c(Math.PI), ExponentialE: c(Math.E), e: c(Math.E), ImaginaryUnit: c(0, 1), i: c(0, 1) };
const UNARY: Record<string, string> = {
  Sqrt: 'sqrt', Abs: 'abs', Sin: 'sin', Cos: 'cos', Tan: 'tan', Sec: 'sec', Csc: 'csc', Cot: 'cot',
  Arcsin: 'arcsin', Arccos: 'arccos', Arctan: 'arctan', Sinh: 'sinh', Cosh: 'cosh', Tanh: 'tanh',
  Ln: 'ln', Exp: 'exp', Lg: 'log10', Floor: 'floor', Ceil: 'ceil',
};

function fromMathJson(j: unknown, depth: number): Expr {
  if (depth > 100) throw new Error('too deep');
  if (typeof j === 'number') return num(j);
  if (typeof j === 'string') {
    if (SYMBOLS[j]) return { t: 'num', v: SYMBOLS[j]! };
    if (j === 'PositiveInfinity') return { t: 'inf' };
    if (j === 'NegativeInfinity') return { t: 'neg', a: { t: 'inf' } };
    if (/^[a-zA-Z](?:_\w+)?$/.test(j) || /^[a-z]+$/.test(j)) return { t: 'var', name: j };
    throw new Error(`symbol ${j}`);
  }
  if (j && typeof j === 'object' && !Array.isArray(j)) {
    const o = j as { num?: string; sym?: string; fn?: unknown[] };
    if (o.num !== undefined) {
      const v = Number(o.num.replace(/n$/, ''));
      if (!Number.isFinite(v)) throw new Error('number');
      return num(v);
    }
    if (o.sym !== undefined) return fromMathJson(o.sym, depth + 1);
    if (o.fn) return fromMathJson(o.fn, depth + 1);
  }
  if (!Array.isArray(j) || j.length === 0) throw new Error('shape');
  const [head, ...args] = j as [unknown, ...unknown[]];
  const a = args.map((x) => fromMathJson(x, depth + 1));
  const fold = (t: 'add' | 'mul'): Expr => a.reduce((x, y) => ({ t, a: x, b: y }));
  switch (head) {
    case 'Add':
      return fold('add');
    case 'Multiply':
    case 'InvisibleOperator':
      return fold('mul');
    case 'Subtract':
      return a.length === 1 ? { t: 'neg', a: a[0]! } : { t: 'sub', a: a[0]!, b: a[1]! };
    case 'Negate':
      return { t: 'neg', a: a[0]! };
    case 'Divide':
    case 'Rational':
      return { t: 'div', a: a[0]!, b: a[1]! };
    case 'Power':
      return { t: 'pow', a: a[0]!, b: a[1]! };
    case 'Square':
      return { t: 'pow', a: a[0]!, b: num(2) };
    case 'Root':
      return { t: 'pow', a: a[0]!, b: { t: 'div', a: num(1), b: a[1]! } };
    case 'Delimiter':
      if (a.length !== 1) throw new Error('delimiter');
      return a[0]!;
    case 'Factorial':
      return { t: 'fact', a: a[0]! };
    case 'Binomial':
      return { t: 'binom', a: a[0]!, b: a[1]! };
    case 'Lb':
      return { t: 'fn', name: 'log', a: a[0]!, base: num(2) };
    case 'Log':
      return a.length === 2 ? { t: 'fn', name: 'log', a: a[0]!, base: a[1]! } : { t: 'fn', name: 'log10', a: a[0]! };
    case 'Degrees':
      return a[0]!;
    default:
      if (typeof head === 'string' && UNARY[head] && a.length === 1) return { t: 'fn', name: UNARY[head]!, a: a[0]! };
      throw new Error(`head ${String(head)}`);
  }
}
