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
  /** `assign`: an equation whose first side only names the quantity (`x = 5`, `|AB| = 3`, `f(x) = x^2`). */
  | { k: 'rel'; ops: RelOp[]; sides: Answer[]; assign: boolean }
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

/**
 * A left side that only names the quantity (`x`, `f(x)`, `(p,q)`, `A:B`, `S_{ABC}`, `|PQ|`, `\overline{AB}`,
 * `\frac{XY}{YZ}`, `m\angle A`): the answer is the right side. A side with numbers or operators
 * (`5`, `2b+d`, `x^2+1`) is not a name: `5 = 2b+d` is an equation, not the answer `2b+d`.
 */
export function isNameLike(lhs: string): boolean {
  let t = lhs.replace(/_\{[^{}]*\}|_\\?[a-zA-Z0-9]/g, '').trim();
  // markup around names: |AB|, \overline{AB}, \angle A, \frac{AB}{CD}
  t = t
    .replace(/\\(?:overline|overrightarrow|vec|mathbf|mathrm|widehat|hat|bar|text|operatorname)\s*\{([^{}]*)\}/g, '$1')
    .replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, '$1 $2')
    .replace(/\\(?:angle|measuredangle|triangle|lvert|rvert|vert|mid)(?![a-zA-Z])/g, ' ')
    .replace(/[|]/g, ' ')
    .trim();
  if (t.length === 0 || t.length > 40) return false;
  if (!/[a-zA-Z]/.test(t)) return false;
  return /^(?:\\[a-zA-Z]+|[a-zA-Z\s(),:'/])+$/.test(t);
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
    if (/^[-+]?[\d.,\s]+$/.test(n.text)) return { k: 'text', s: n.text.replace(/\s+/g, '') };
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
  const groups = splitTopLevel(s, (x, i) => (x[i] === ';' ? 1 : 0)).map((p) => p.trim()).filter((p) => p.length > 0);
  if (groups.length > 1 && groups.length <= MAX_ITEMS) {
    // `a=1, b=3; a=2, b=5`: groups of assignments are tuples (1,3), (2,5)
    const tuples = groups.map((g) => assignmentTuple(g, ctx));
    if (tuples.every((t) => t !== undefined)) return { k: 'list', open: '', close: '', items: tuples as Answer[] };
  }
  const parts = splitTopLevel(s, listSeparator).map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length > MAX_ITEMS) return { k: 'unparsed', s };
  if (parts.length === 0) return { k: 'unparsed', s };
  if (parts.length === 1) return parseItem(parts[0]!, ctx);
  // in a list, `x = 1 or x = -3` names each value: the values are the answer
  return { k: 'list', open: '', close: '', items: parts.flatMap((p) => flattenPm(valueOf(parseItem(p, ctx)))) };
}

/** The value an assignment names (`x = 5` → 5, `x = 1+1 = 2` → 2); anything else as it is. */
export function valueOf(a: Answer): Answer {
  return a.k === 'rel' && a.assign ? a.sides[a.sides.length - 1]! : a;
}

/** `a=1, b=3` → the tuple (1, 3) when every piece is an assignment; otherwise undefined. */
function assignmentTuple(g: string, ctx: ParseContext): Answer | undefined {
  const pieces = splitTopLevel(g, (x, i) => (x[i] === ',' ? 1 : 0)).map((p) => p.trim());
  if (pieces.length < 2 || pieces.length > MAX_ITEMS) return undefined;
  const items = pieces.map((p) => parseItem(p, ctx));
  if (!items.every((a) => a.k === 'rel' && a.assign)) return undefined;
  return { k: 'list', open: '(', close: ')', items: items.map(valueOf) };
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
    let sides = relParts.map((p) => p.trim());
    if (sides.some((x) => x.length === 0)) return { k: 'unparsed', s };
    // `x = \frac13 \approx 0.33`: an approximation after the value is a remark, not the answer
    const approx = ops.indexOf('\\approx');
    if (approx > 0) {
      ops.splice(approx);
      sides = sides.slice(0, approx + 1);
    } else if (approx === 0) ops[0] = '=';
    // `x \in [0,1)`: the set is the answer
    if (ops[ops.length - 1] === '\\in' && ops.every((o) => o === '=' || o === '\\in')) return parseItem(sides[sides.length - 1]!, ctx);
    if (ops.every((o) => o === '=')) {
      // `x = 5`, or a chain that names the quantity on the way (`1 = y = x = 0`)
      const assign = isNameLike(sides[0]!) || sides.slice(1, -1).some(isNameLike);
      return { k: 'rel', ops, sides: sides.map((x) => parseItem(x, ctx)), assign };
    }
    return { k: 'rel', ops, sides: sides.map((x) => parseItem(x, ctx)), assign: false };
  }

  // the empty set and the real line
  if (/^(?:\\emptyset|\\varnothing|\\\{\s*\\\})$/.test(s)) return { k: 'list', open: '\\{', close: '\\}', items: [] };
  if (/^\\mathbb\s*\{?\s*R\s*\}?$/.test(s)) {
    const inf: Answer = { k: 'expr', src: '\\infty', e: { t: 'inf' }, percent: false };
    return { k: 'list', open: '(', close: ')', items: [{ k: 'expr', src: '-\\infty', e: { t: 'neg', a: { t: 'inf' } }, percent: false }, inf] };
  }

  // ± gives two answers
  const pm = /\\(pm|mp)(?![a-zA-Z])/.exec(s);
  if (pm) {
    const plus = s.slice(0, pm.index) + (pm[1] === 'pm' ? '+' : '-') + s.slice(pm.index + pm[0].length);
    const minus = s.slice(0, pm.index) + (pm[1] === 'pm' ? '-' : '+') + s.slice(pm.index + pm[0].length);
    return { k: 'list', open: 'pm', close: '', items: [parseItem(plus, ctx), parseItem(minus, ctx)].flatMap(flattenPm) };
  }

  // sums, differences, scalar multiples and products of matrices: evaluated entry by entry
  if (/\\begin\{[pbvBV]?matrix\}|\\begin\{array\}/.test(s)) {
    const m = matrixExpression(s, ctx);
    if (m) return m;
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

const MATRIX_BLOCK_RE = /\\begin\{([pbvBV]?matrix|array)\}(?:\{[^{}]*\})?([\s\S]*?)\\end\{\1\}/g;
const MAX_MATRIX_TERMS = 8;

function matrixRows(body: string, ctx: ParseContext): Expr[][] | undefined {
  const rows = body.split(/\\\\/).map((r) => r.trim()).filter((r) => r.length > 0);
  if (rows.length === 0 || rows.length > MAX_ITEMS) return undefined;
  const out: Expr[][] = [];
  for (const r of rows) {
    const cells = r.split('&').map((c) => parseItem(c.trim(), ctx));
    if (!cells.every((c) => c.k === 'expr')) return undefined;
    out.push(cells.map((c) => (c as Extract<Answer, { k: 'expr' }>).e));
  }
  return out.every((r) => r.length === out[0]!.length) ? out : undefined;
}

/**
 * `A + B`, `A - B`, `k A`, `A B`, `A \cdot B` for written-out matrices A, B and scalars k: the resulting matrix
 * (entries as expressions, so `\frac12` stays exact and variables stay symbolic). Undefined for anything else
 * or when the shapes do not fit.
 */
function matrixExpression(s: string, ctx: ParseContext): Answer | undefined {
  const blocks: Expr[][][] = [];
  let bad = false;
  const text = s.replace(MATRIX_BLOCK_RE, (_m, _env: string, body: string) => {
    const rows = matrixRows(body, ctx);
    if (!rows) bad = true;
    blocks.push(rows ?? []);
    return ` @${blocks.length - 1}@ `;
  });
  if (bad || blocks.length === 0 || blocks.length > MAX_MATRIX_TERMS || text.includes('\\begin')) return undefined;
  // terms split at top-level + and -
  const terms: { sign: 1 | -1; text: string }[] = [];
  let depth = 0;
  let start = 0;
  let sign: 1 | -1 = 1;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (i === text.length || (depth === 0 && (ch === '+' || ch === '-') && /[@\w)}\]]\s*$/.test(text.slice(start, i)))) {
      terms.push({ sign, text: text.slice(start, i) });
      sign = ch === '-' ? -1 : 1;
      start = i + 1;
    }
  }
  let acc: Expr[][] | undefined;
  for (const t of terms) {
    const m = matrixTerm(t.text);
    if (!m) return undefined;
    const signed = t.sign === 1 ? m(blocks) : m(blocks)?.map((r) => r.map((e): Expr => ({ t: 'neg', a: e })));
    if (!signed) return undefined;
    if (!acc) acc = signed;
    else {
      if (acc.length !== signed.length || acc[0]!.length !== signed[0]!.length) return undefined;
      const prev = acc;
      acc = prev.map((r, i) => r.map((e, j): Expr => ({ t: 'add', a: e, b: signed[i]![j]! })));
    }
  }
  if (!acc) return undefined;
  return { k: 'matrix', rows: acc.map((r) => r.map((e): Answer => ({ k: 'expr', src: '', e, percent: false }))) };
}

/** One product term: scalars and `@i@` matrix placeholders, multiplied left to right. */
function matrixTerm(t: string): ((blocks: Expr[][][]) => Expr[][] | undefined) | undefined {
  const pieces = t.split(/@(\d+)@/);
  return (blocks) => {
    let scalar: Expr | undefined;
    let m: Expr[][] | undefined;
    for (let i = 0; i < pieces.length; i++) {
      if (i % 2 === 1) {
        const b = blocks[Number(pieces[i])]!;
        if (!m) m = b;
        else {
          if (m[0]!.length !== b.length) return undefined;
          const a = m;
          m = a.map((row) =>
            b[0]!.map((_, j) => row.map((x, k): Expr => ({ t: 'mul', a: x, b: b[k]![j]! })).reduce((x, y): Expr => ({ t: 'add', a: x, b: y }))),
          );
        }
        continue;
      }
      const raw = pieces[i]!.replace(/\\cdot|\\times|\*/g, ' ').trim();
      if (!raw || raw === '+') continue;
      let e: Expr;
      try {
        e = raw === '-' ? { t: 'num', v: { re: -1, im: 0 } } : parseExpression(raw);
      } catch {
        return undefined;
      }
      scalar = scalar ? { t: 'mul', a: scalar, b: e } : e;
    }
    if (!m) return undefined;
    const k = scalar;
    return k ? m.map((r) => r.map((e): Expr => ({ t: 'mul', a: k, b: e }))) : m;
  };
}
