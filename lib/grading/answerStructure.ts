/**
 * The shape of an answer, parsed from its normalised text: an expression, a word, a list (tuple, interval,
 * set or bare list), a union of intervals, a relation (equation or inequality) or a matrix. Comparison
 * (compareAnswers.ts) works on these shapes so that `(1,\frac92)` equals `(1,4.5)`, `x \in [-2,7]` equals
 * `[-2,7]` and `x = 5+5+1 = 11` equals `11`.
 */
import { MAX_EXPRESSION_CHARS, parseExpression, variablesOf, type Expr, ExpressionParseError } from './latexExpression';
import { cleanTextAnswer, normalizeAnswer } from './normalize';
import { parseWithComputeEngine } from './computeEngineFallback';

export type Answer =
  | { k: 'expr'; src: string; e: Expr; percent: boolean }
  | { k: 'text'; s: string }
  | { k: 'list'; open: string; close: string; items: Answer[] }
  | { k: 'union'; parts: Answer[] }
  | { k: 'rel'; ops: RelOp[]; sides: Answer[] }
  | { k: 'matrix'; rows: Answer[][] }
  | { k: 'unparsed'; s: string };

export type RelOp = '=' | '<' | '>' | '\\leq' | '\\geq' | '\\neq' | '\\approx' | '\\in';

/** Answers with more parts than this are not compared (a bound on the pairwise set comparison). */
export const MAX_ITEMS = 200;

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Splits at depth 0 on separators; brackets of any kind nest (so `[0,1)` is one piece). */
function splitTopLevel(s: string, isSep: (s: string, i: number) => number): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\') {
      if (s[i + 1] === '{' || s[i + 1] === '}') {
        depth += s[i + 1] === '{' ? 1 : -1;
        i++;
        continue;
      }
      if (s.startsWith('\\begin', i)) depth++;
      else if (s.startsWith('\\end', i)) depth--;
      const m = /^\\[a-zA-Z]+/.exec(s.slice(i, i + 30));
      if (depth === 0) {
        const n = isSep(s, i);
        if (n > 0) {
          parts.push(s.slice(start, i));
          start = i + n;
          i = start - 1;
          continue;
        }
      }
      if (m) i += m[0].length - 1;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (depth === 0) {
      const n = isSep(s, i);
      if (n > 0) {
        parts.push(s.slice(start, i));
        start = i + n;
        i = start - 1;
      }
    }
  }
  parts.push(s.slice(start));
  return parts;
}

const LIST_SEP_RE = /^(?:,|;|\band\b|\bor\b)/;
function listSeparator(s: string, i: number): number {
  const ch = s[i];
  if (ch === ',' || ch === ';') return 1;
  if ((ch === 'a' || ch === 'o') && (i === 0 || /[\s})\]$]/.test(s[i - 1]!) || /[)\]]/.test(s[i - 1]!))) {
    const m = LIST_SEP_RE.exec(s.slice(i, i + 4));
    if (m && !/[a-zA-Z]/.test(s[i + m[0].length] ?? '')) return m[0].length;
  }
  return 0;
}

const REL_RE = /^(?:\\leq|\\geq|\\neq|\\approx|\\in(?![a-zA-Z])|\\cong|\\equiv|=|<|>)/;
function relSeparator(s: string, i: number): number {
  const m = REL_RE.exec(s.slice(i, i + 8));
  return m ? m[0].length : 0;
}

/** Index of the bracket closing the one at `i`, counting all bracket kinds, or -1. */
function matchingClose(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const ch = s[j]!;
    if (ch === '\\') {
      if (s[j + 1] === '{') depth++;
      else if (s[j + 1] === '}') {
        depth--;
        if (depth === 0) return j;
      }
      j++;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

/** A left side that only names the quantity (`x`, `f(x)`, `(p,q)`, `A:B`, `S_{ABC}`): the answer is the right side. */
function isNameLike(lhs: string): boolean {
  const t = lhs.replace(/_\{[^{}]*\}|_\\?[a-zA-Z0-9]/g, '').trim();
  if (t.length === 0 || t.length > 40) return false;
  if (!/[a-zA-Z]/.test(t)) return false;
  return /^(?:\\[a-zA-Z]+|[a-zA-Z\s(),:'])+$/.test(t);
}

/** A left side with no unknowns (`\frac12 \cdot 20 = 10`): a computation whose result is the answer. */
function isConstant(lhs: string): boolean {
  try {
    return variablesOf(parseExpression(lhs)).size === 0;
  } catch {
    return false;
  }
}

export interface ParseContext {
  percent: boolean;
  strict: boolean;
}

/** Parses a normalised answer text into its shape. Never throws: what cannot be read is `unparsed`. */
export function parseAnswerShape(text: string, percent = false, strict = true): Answer {
  const ctx: ParseContext = { percent, strict };
  return parseList(text, ctx);
}

/** Deepest bracket nesting; answers nested deeper than MAX_NESTING are not parsed (bounds the recursion). */
const MAX_NESTING = 60;
function nestingDepth(s: string): number {
  let d = 0;
  let max = 0;
  for (const ch of s) {
    if (ch === '(' || ch === '[' || ch === '{') max = Math.max(max, ++d);
    else if (ch === ')' || ch === ']' || ch === '}') d--;
  }
  return max;
}

export function parseAnswer(raw: string, strict = true): Answer {
  if (raw.length > MAX_EXPRESSION_CHARS * 4 || nestingDepth(raw) > MAX_NESTING) return { k: 'unparsed', s: raw };
  const n = normalizeAnswer(raw);
  if (n.wholeText) {
    const inner = parseAnswerShape(n.text, false, strict);
    return inner.k === 'unparsed' || isWordy(n.text) ? { k: 'text', s: cleanTextAnswer(n.text).toLowerCase() } : inner;
  }
  return parseAnswerShape(n.text, n.percent, strict);
}

/** An English word of 3+ letters that is not a LaTeX command: the piece is prose, not a formula. */
export function isWordy(s: string): boolean {
  const words = s.replace(/\\[a-zA-Z]+/g, ' ').match(/[a-zA-Z]{3,}/g) ?? [];
  return words.some((w) => !/^(?:and|or)$/i.test(w));
}

function parseList(s: string, ctx: ParseContext): Answer {
  const parts = splitTopLevel(s, listSeparator).map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length > MAX_ITEMS) return { k: 'unparsed', s };
  if (parts.length === 0) return { k: 'unparsed', s };
  if (parts.length === 1) return parseItem(parts[0]!, ctx);
  return { k: 'list', open: '', close: '', items: parts.flatMap((p) => flattenPm(parseItem(p, ctx))) };
}

function flattenPm(a: Answer): Answer[] {
  return a.k === 'list' && a.open === 'pm' ? a.items : [a];
}

function parseItem(s: string, ctx: ParseContext): Answer {
  s = s.trim();
  // unions of intervals
  const unionParts = splitTopLevel(s, (x, i) => (x.startsWith('\\cup', i) && !/[a-zA-Z]/.test(x[i + 4] ?? '') ? 4 : 0));
  if (unionParts.length > 1) return { k: 'union', parts: unionParts.map((p) => parseItem(p, ctx)) };

  // relations: x = 5, x \in [0,1), 1 < x \leq 3, y = 2x+1
  const relParts = splitTopLevel(s, relSeparator);
  if (relParts.length > 1) {
    const ops: RelOp[] = [];
    let pos = 0;
    for (let k = 0; k < relParts.length - 1; k++) {
      pos += relParts[k]!.length;
      const m = REL_RE.exec(s.slice(pos, pos + 8))!;
      let op = m[0] as string;
      if (op === '\\cong' || op === '\\equiv') op = '=';
      ops.push(op as RelOp);
      pos += m[0].length;
    }
    const sides = relParts.map((p) => p.trim());
    const assignment = ops.every((o) => o === '=' || o === '\\approx' || o === '\\in');
    if (assignment && sides.every((x) => x.length > 0)) {
      // chains keep the last value; `x = 5` and `x \in [0,1)` give the right side
      if (ops.length >= 2 || isNameLike(sides[0]!) || isConstant(sides[0]!) || !ctx.strict) {
        return parseItem(sides[sides.length - 1]!, ctx);
      }
    }
    if (sides.some((x) => x.length === 0)) return { k: 'unparsed', s };
    return { k: 'rel', ops, sides: sides.map((x) => parseItem(x, ctx)) };
  }

  // ± gives two answers
  const pm = /\\(pm|mp)(?![a-zA-Z])/.exec(s);
  if (pm) {
    const plus = s.slice(0, pm.index) + (pm[1] === 'pm' ? '+' : '-') + s.slice(pm.index + pm[0].length);
    const minus = s.slice(0, pm.index) + (pm[1] === 'pm' ? '-' : '+') + s.slice(pm.index + pm[0].length);
    return { k: 'list', open: 'pm', close: '', items: [parseItem(plus, ctx), parseItem(minus, ctx)].flatMap(flattenPm) };
  }

  // matrices
  const mat = /^\\begin\{([pbvBV]?matrix|array)\}(?:\{[^{}]*\})?([\s\S]*)\\end\{\1\}$/.exec(s);
  if (mat) {
    const rows = mat[2]!
      .split(/\\\\/)
      .map((r) => r.trim())
      .filter((r) => r.length > 0)
      .map((r) => r.split('&').map((cell) => parseItem(cell.trim(), ctx)));
    if (rows.length === 0 || rows.length > MAX_ITEMS) return { k: 'unparsed', s };
    return { k: 'matrix', rows };
  }

  // brackets around the whole item: tuples, intervals, sets, plain grouping
  let open = '';
  let openLen = 0;
  if (s.startsWith('\\{')) {
    open = '\\{';
    openLen = 2;
  } else if (s[0] === '(' || s[0] === '[' || s[0] === '{') {
    open = s[0];
    openLen = 1;
  }
  if (open) {
    const close = matchingClose(s, 0);
    const closeLen = s[close] === '\\' ? 2 : 1;
    if (close >= 0 && close + closeLen === s.length) {
      const inner = s.slice(openLen, close);
      const closeCh = s.slice(close, close + closeLen);
      const pieces = splitTopLevel(inner, (x, i) => (x[i] === ',' || x[i] === ';' ? 1 : 0)).map((p) => p.trim());
      if (pieces.length > MAX_ITEMS) return { k: 'unparsed', s };
      const setLike = open === '\\{';
      if (pieces.length > 1 || setLike) {
        if (pieces.some((p) => p.length === 0)) return { k: 'unparsed', s };
        const o = open === '{' ? '' : open;
        return { k: 'list', open: o, close: o ? closeCh : '', items: pieces.map((p) => parseItem(p, ctx)) };
      }
      if (OPENERS[open] === closeCh || open === '{') return parseItem(inner, ctx);
    }
  }

  if (isWordy(s)) return { k: 'text', s: cleanTextAnswer(s).toLowerCase() };
  return parseExpr(s, ctx);
}

function parseExpr(s: string, ctx: ParseContext): Answer {
  try {
    return { k: 'expr', src: s, e: parseExpression(s), percent: ctx.percent };
  } catch (err) {
    if (!(err instanceof ExpressionParseError)) throw err;
    const e = parseWithComputeEngine(s);
    return e ? { k: 'expr', src: s, e, percent: ctx.percent } : { k: 'unparsed', s };
  }
}
