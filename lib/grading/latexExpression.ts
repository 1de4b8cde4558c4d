/**
 * A small, bounded parser for the LaTeX (and plain-text) arithmetic that answers are written in, and a
 * numeric evaluator for it. It is the fast path of answer comparison: two expressions are compared by
 * evaluating both at the same points (symbolic equivalence by random substitution), so `\tan^2 y + 1`
 * equals `\sec^2 y` and `x+2n+1` does not equal `x+1`.
 *
 * Bounds (why a pathological answer cannot hang a worker): the input is capped at MAX_EXPRESSION_CHARS,
 * nesting at MAX_DEPTH, integer powers use at most 7 squarings, factorials stop at 170 (beyond is an
 * overflow), and an overflow evaluates to NaN instead of a huge number. Every operation is O(input).
 */
import * as C from './complex';
import type { Complex } from './complex';

export const MAX_EXPRESSION_CHARS = 2000;
const MAX_DEPTH = 100;

export type Expr =
  | { t: 'num'; v: Complex }
  | { t: 'var'; name: string }
  | { t: 'inf' }
  | { t: 'add'; a: Expr; b: Expr }
  | { t: 'sub'; a: Expr; b: Expr }
  | { t: 'mul'; a: Expr; b: Expr }
  | { t: 'div'; a: Expr; b: Expr }
  | { t: 'pow'; a: Expr; b: Expr }
  | { t: 'neg'; a: Expr }
  | { t: 'fn'; name: string; a: Expr; base?: Expr }
  | { t: 'binom'; a: Expr; b: Expr }
  | { t: 'fact'; a: Expr };

export class ExpressionParseError extends Error {}

type Tok = { k: 'num'; s: string } | { k: 'cmd'; s: string } | { k: 'letter'; s: string } | { k: 'sym'; s: string };

const FUNCTIONS = new Set([
  'sin', 'cos', 'tan', 'sec', 'csc', 'cot', 'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'tanh',
  'ln', 'log', 'exp', 'lg',
]);
const GREEK = new Set([
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'varepsilon', 'zeta', 'eta', 'theta', 'vartheta', 'iota',
  'kappa', 'lambda', 'mu', 'nu', 'xi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'varphi', 'chi', 'psi',
  'omega', 'Gamma', 'Delta', 'Theta', 'Lambda', 'Xi', 'Sigma', 'Phi', 'Psi', 'Omega',
]);
/** Commands that carry no meaning for the value. */
const IGNORED = new Set(['displaystyle', 'left', 'right', 'big', 'Big', 'bigg', 'Bigg', 'bigl', 'bigr', 'Bigl', 'Bigr', 'mathrm', 'mathbf', 'mathit', 'boldsymbol', 'vec', 'overline', 'limits']);

export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[0-9.]/.test(ch)) {
      const m = /^(\d+\.?\d*|\.\d+)/.exec(src.slice(i, i + 400));
      if (!m) throw new ExpressionParseError(`stray "." at ${i}`);
      toks.push({ k: 'num', s: m[1]! });
      i += m[1]!.length;
      continue;
    }
    if (ch === '\\') {
      const m = /^\\([a-zA-Z]+|.)/.exec(src.slice(i, i + 40));
      if (!m) throw new ExpressionParseError('dangling backslash');
      const name = m[1]!;
      i += m[0].length;
      if (name === ',' || name === ';' || name === ':' || name === '!' || name === ' ' || name === 'quad' || name === 'qquad') continue;
      toks.push({ k: 'cmd', s: name });
      continue;
    }
    if (/[a-zA-Z]/.test(ch)) {
      toks.push({ k: 'letter', s: ch });
      i++;
      continue;
    }
    toks.push({ k: 'sym', s: ch });
    i++;
  }
  return toks;
}

class Parser {
  private pos = 0;
  private depth = 0;
  private absDepth = 0;
  constructor(private toks: Tok[]) {}

  parseAll(): Expr {
    const e = this.parseAdd();
    if (this.pos < this.toks.length) throw new ExpressionParseError(`unexpected "${this.toks[this.pos]!.s}"`);
    return e;
  }

  private peek(): Tok | undefined {
    return this.toks[this.pos];
  }
  private isSym(s: string): boolean {
    const t = this.peek();
    return !!t && t.k === 'sym' && t.s === s;
  }
  private isCmd(...names: string[]): boolean {
    const t = this.peek();
    return !!t && t.k === 'cmd' && names.includes(t.s);
  }
  private expectSym(s: string): void {
    if (!this.isSym(s)) throw new ExpressionParseError(`expected "${s}"`);
    this.pos++;
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new ExpressionParseError('nested too deeply');
  }

  private parseAdd(): Expr {
    this.enter();
    let left = this.parseMul();
    for (;;) {
      if (this.isSym('+')) {
        this.pos++;
        left = { t: 'add', a: left, b: this.parseMul() };
      } else if (this.isSym('-')) {
        this.pos++;
        left = { t: 'sub', a: left, b: this.parseMul() };
      } else break;
    }
    this.depth--;
    return left;
  }

  private startsPrimary(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.k === 'num' || t.k === 'letter') return true;
    if (t.k === 'sym') return t.s === '(' || t.s === '[' || t.s === '{' || (t.s === '|' && this.absDepth === 0);
    return !['cdot', 'times', 'div', 'ast', 'pm', 'mp'].includes(t.s);
  }

  private parseMul(): Expr {
    let left = this.parseUnary();
    for (;;) {
      if (this.isSym('*') || this.isCmd('cdot', 'times', 'ast')) {
        this.pos++;
        left = { t: 'mul', a: left, b: this.parseUnary() };
      } else if (this.isSym('/') || this.isCmd('div') || this.isSym(':')) {
        this.pos++;
        left = { t: 'div', a: left, b: this.parseUnary() };
      } else if (this.startsPrimary()) {
        left = { t: 'mul', a: left, b: this.parsePow() };
      } else break;
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isSym('-')) {
      this.pos++;
      return { t: 'neg', a: this.parseUnary() };
    }
    if (this.isSym('+')) {
      this.pos++;
      return this.parseUnary();
    }
    return this.parsePow();
  }

  private parsePow(): Expr {
    let base = this.parsePostfix(this.parsePrimary());
    if (this.isSym('^')) {
      this.pos++;
      const exponent = this.parseScript();
      base = this.parsePostfix({ t: 'pow', a: base, b: exponent });
    }
    return base;
  }

  private parsePostfix(e: Expr): Expr {
    while (this.isSym('!')) {
      this.pos++;
      e = { t: 'fact', a: e };
    }
    while (this.isSym("'")) this.pos++;
    return e;
  }

  /** A superscript or subscript: `{...}`, or one token (a whole number, a letter, a command, `-x`). */
  private parseScript(): Expr {
    if (this.isSym('{')) {
      this.pos++;
      this.enter();
      const e = this.parseAdd();
      this.depth--;
      this.expectSym('}');
      return e;
    }
    if (this.isSym('-')) {
      this.pos++;
      return { t: 'neg', a: this.parseScript() };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  /** A macro argument: `{...}` or a single character (`\frac13` is 1/3, `\sqrt 2x` is sqrt(2)·x). */
  private parseArg(): Expr {
    const t = this.peek();
    if (t && t.k === 'num' && t.s.length > 1 && !this.isSym('{')) {
      this.toks[this.pos] = { k: 'num', s: t.s.slice(1) };
      return { t: 'num', v: C.c(Number(t.s[0])) };
    }
    if (this.isSym('{')) return this.parseScript();
    return this.parsePrimary();
  }

  private parseGroup(close: string[]): Expr {
    this.enter();
    const e = this.parseAdd();
    this.depth--;
    const t = this.peek();
    if (!t || t.k !== 'sym' || !close.includes(t.s)) throw new ExpressionParseError(`expected ${close.join(' or ')}`);
    this.pos++;
    return e;
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    if (!t) throw new ExpressionParseError('unexpected end');
    this.pos++;
    if (t.k === 'num') return this.isSym('_') ? this.parseBaseNumber(t.s) : { t: 'num', v: C.c(Number(t.s)) };
    if (t.k === 'letter') return this.parseVariable(t.s);
    if (t.k === 'sym') {
      if (t.s === '(' || t.s === '[') return this.parseGroup([')', ']']);
      if (t.s === '{') return this.parseGroup(['}']);
      if (t.s === '|') {
        this.absDepth++;
        const e = this.parseGroup(['|']);
        this.absDepth--;
        return { t: 'fn', name: 'abs', a: e };
      }
      throw new ExpressionParseError(`unexpected "${t.s}"`);
    }
    const name = t.s;
    if (IGNORED.has(name)) {
      if (this.isSym('.')) this.pos++;
      return this.parsePrimary();
    }
    if (name === 'frac' || name === 'dfrac' || name === 'tfrac' || name === 'cfrac') {
      const a = this.parseArg();
      const b = this.parseArg();
      return { t: 'div', a, b };
    }
    if (name === 'binom' || name === 'dbinom' || name === 'tbinom') {
      const a = this.parseArg();
      const b = this.parseArg();
      return { t: 'binom', a, b };
    }
    if (name === 'sqrt') {
      let index: Expr | undefined;
      if (this.isSym('[')) {
        this.pos++;
        index = this.parseGroup([']']);
      }
      const a = this.parseArg();
      return index ? { t: 'pow', a, b: { t: 'div', a: { t: 'num', v: C.c(1) }, b: index } } : { t: 'fn', name: 'sqrt', a };
    }
    if (name === 'pi') return { t: 'num', v: C.c(Math.PI) };
    if (name === 'infty' || name === 'infin') return { t: 'inf' };
    if (name === 'lvert' || name === 'vert' || name === 'rvert') {
      this.absDepth++;
      this.enter();
      const e = this.parseAdd();
      this.depth--;
      this.absDepth--;
      if (!this.isCmd('rvert', 'vert') && !this.isSym('|')) throw new ExpressionParseError('expected closing |');
      this.pos++;
      return { t: 'fn', name: 'abs', a: e };
    }
    if (GREEK.has(name)) return this.parseVariable(name);
    if (name === 'operatorname') {
      const n = this.peek();
      // \operatorname{name} — only known functions
      if (this.isSym('{')) {
        const end = this.toks.findIndex((x, i) => i > this.pos && x.k === 'sym' && x.s === '}');
        const fname = this.toks.slice(this.pos + 1, end).map((x) => x.s).join('');
        if (end > 0 && FUNCTIONS.has(fname)) {
          this.pos = end + 1;
          return this.parseFunction(fname);
        }
      }
      throw new ExpressionParseError(`unknown operator ${n?.s ?? ''}`);
    }
    if (FUNCTIONS.has(name)) return this.parseFunction(name);
    throw new ExpressionParseError(`unknown command \\${name}`);
  }

  /** `1112112_3`: a numeral in base 2-36 (its digits must be valid in that base). */
  private parseBaseNumber(digits: string): Expr {
    this.pos++;
    const b = this.parseScript();
    if (b.t !== 'num' || !Number.isInteger(b.v.re) || b.v.re < 2 || b.v.re > 36 || !/^\d+(?:\.\d+)?$/.test(digits)) {
      throw new ExpressionParseError('bad numeral base');
    }
    const [whole, frac = ''] = digits.split('.');
    let v = 0;
    let scale = 1;
    for (const d of whole! + frac) {
      if (Number(d) >= b.v.re) throw new ExpressionParseError(`digit ${d} is not valid in base ${b.v.re}`);
      v = v * b.v.re + Number(d);
    }
    for (let k = 0; k < frac.length; k++) scale *= b.v.re;
    return { t: 'num', v: C.c(v / scale) };
  }

  private parseVariable(first: string): Expr {
    let name = first;
    if (this.isSym('_')) {
      this.pos++;
      const sub = this.peek();
      if (sub && this.isSym('{')) {
        const end = this.toks.findIndex((x, i) => i > this.pos && x.k === 'sym' && x.s === '}');
        if (end < 0) throw new ExpressionParseError('unclosed subscript');
        name += '_' + this.toks.slice(this.pos + 1, end).map((x) => x.s).join('');
        this.pos = end + 1;
      } else if (sub) {
        name += '_' + sub.s;
        this.pos++;
      }
    }
    if (name === 'e') return { t: 'num', v: C.c(Math.E) };
    if (name === 'i') return { t: 'num', v: C.c(0, 1) };
    return { t: 'var', name };
  }

  private parseFunction(name: string): Expr {
    let power: Expr | undefined;
    let base: Expr | undefined;
    for (let k = 0; k < 2; k++) {
      if (this.isSym('^')) {
        this.pos++;
        power = this.parseScript();
      } else if (this.isSym('_')) {
        this.pos++;
        base = this.parseScript();
      }
    }
    let arg: Expr;
    if (this.isSym('(') || this.isSym('[')) {
      this.pos++;
      arg = this.parseGroup([')', ']']);
    } else if (this.isSym('{')) {
      arg = this.parseScript();
    } else {
      arg = this.parsePow();
    }
    let fname = name === 'lg' ? 'log10' : name;
    // sin^{-1} x is arcsin x
    if (power && power.t === 'neg' && power.a.t === 'num' && power.a.v.re === 1 && ['sin', 'cos', 'tan'].includes(fname)) {
      fname = 'arc' + fname;
      power = undefined;
    }
    const f: Expr = { t: 'fn', name: fname, a: arg, base };
    return power ? { t: 'pow', a: f, b: power } : f;
  }
}

/** Parses LaTeX or plain arithmetic into an expression tree; throws ExpressionParseError. */
export function parseExpression(src: string): Expr {
  if (src.length > MAX_EXPRESSION_CHARS) throw new ExpressionParseError('expression too long');
  const toks = tokenize(src);
  if (toks.length === 0) throw new ExpressionParseError('empty expression');
  return new Parser(toks).parseAll();
}

export function variablesOf(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.t) {
    case 'var':
      out.add(e.name);
      break;
    case 'num':
    case 'inf':
      break;
    case 'neg':
    case 'fact':
      variablesOf(e.a, out);
      break;
    case 'fn':
      variablesOf(e.a, out);
      if (e.base) variablesOf(e.base, out);
      break;
    default:
      variablesOf(e.a, out);
      variablesOf(e.b, out);
  }
  return out;
}

function overflowGuard(r: Complex, ...inputs: Complex[]): Complex {
  if (!C.isFiniteComplex(r) && inputs.every(C.isFiniteComplex)) return C.NAN;
  return r;
}

function factorial(z: Complex): Complex {
  if (z.im !== 0 || !Number.isInteger(z.re) || z.re < 0 || z.re > 170) return C.NAN;
  let r = 1;
  for (let k = 2; k <= z.re; k++) r *= k;
  return C.c(r);
}

function binom(n: Complex, k: Complex): Complex {
  if (n.im !== 0 || k.im !== 0 || !Number.isInteger(k.re) || k.re < 0 || k.re > 1000) return C.NAN;
  let r = 1;
  for (let j = 0; j < k.re; j++) r = (r * (n.re - j)) / (j + 1);
  return C.c(Math.round(r) === r || !Number.isInteger(n.re) ? r : Math.round(r));
}

/** Evaluates at the given variable values; unknown variables, overflow and domain errors give NaN. */
export function evaluate(e: Expr, vars: ReadonlyMap<string, number>): Complex {
  switch (e.t) {
    case 'num':
      return e.v;
    case 'inf':
      return C.c(Infinity);
    case 'var': {
      const v = vars.get(e.name);
      return v === undefined ? C.NAN : C.c(v);
    }
    case 'neg':
      return C.neg(evaluate(e.a, vars));
    case 'add': {
      const a = evaluate(e.a, vars);
      const b = evaluate(e.b, vars);
      return C.add(a, b);
    }
    case 'sub':
      return C.sub(evaluate(e.a, vars), evaluate(e.b, vars));
    case 'mul': {
      const a = evaluate(e.a, vars);
      const b = evaluate(e.b, vars);
      return overflowGuard(C.mul(a, b), a, b);
    }
    case 'div': {
      const a = evaluate(e.a, vars);
      const b = evaluate(e.b, vars);
      return overflowGuard(C.div(a, b), a, b);
    }
    case 'pow': {
      const a = evaluate(e.a, vars);
      const b = evaluate(e.b, vars);
      return overflowGuard(C.pow(a, b), a, b);
    }
    case 'fact':
      return factorial(evaluate(e.a, vars));
    case 'binom':
      return binom(evaluate(e.a, vars), evaluate(e.b, vars));
    case 'fn': {
      const a = evaluate(e.a, vars);
      switch (e.name) {
        case 'sqrt':
          return C.sqrt(a);
        case 'abs':
          return C.c(C.abs(a));
        case 'sin':
          return C.sin(a);
        case 'cos':
          return C.cos(a);
        case 'tan':
          return C.div(C.sin(a), C.cos(a));
        case 'sec':
          return C.div(C.c(1), C.cos(a));
        case 'csc':
          return C.div(C.c(1), C.sin(a));
        case 'cot':
          return C.div(C.cos(a), C.sin(a));
        case 'arcsin':
          return C.realOnly(a, Math.asin);
        case 'arccos':
          return C.realOnly(a, Math.acos);
        case 'arctan':
          return C.realOnly(a, Math.atan);
        case 'sinh':
          return C.realOnly(a, Math.sinh);
        case 'cosh':
          return C.realOnly(a, Math.cosh);
        case 'tanh':
          return C.realOnly(a, Math.tanh);
        case 'floor':
          return C.realOnly(a, Math.floor);
        case 'ceil':
          return C.realOnly(a, Math.ceil);
        case 'exp':
          return overflowGuard(C.exp(a), a);
        case 'ln':
          return C.log(a);
        case 'log10':
          return C.div(C.log(a), C.c(Math.LN10));
        case 'log': {
          // \log without a base: natural log is Math-Verify's and sympy's reading; \log_b x is base b.
          if (!e.base) return C.log(a);
          return C.div(C.log(a), C.log(evaluate(e.base, vars)));
        }
        default:
          return C.NAN;
      }
    }
  }
}
