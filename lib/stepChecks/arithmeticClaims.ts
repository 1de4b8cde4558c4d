import { evaluate } from './arithmeticExpr';
import { equal, show } from './rational';
import { failAt, type StepCheckInput, type StepChecker, type StepFailure } from './types';

/** One arithmetic claim found in a text: its sides as written, and the first side that disagrees. */
export interface Claim {
  text: string;
  ok: boolean;
  /** When not ok: the first side, its exact value, and the side that differs from it. */
  detail?: string;
}

/** ×, ÷, LaTeX operators and \frac{a}{b} as plain arithmetic; math delimiters dropped. */
export function normaliseArithmetic(text: string): string {
  let t = text.replace(/\\[()[\]]|\$/g, ' ');
  for (let k = 0; k < 4 && /\\[dt]?frac\{/.test(t); k++) t = t.replace(/\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, '(($1)/($2))');
  return t
    .replace(/\\times|\\cdot|[×·⋅∙]/g, '*')
    .replace(/\\div|÷/g, '/')
    .replace(/[−–]/g, '-')
    .replace(/\\left|\\right|\\,|\\!/g, '')
    // A comma that is not a thousands separator ends a claim (`25, -3 + 5 = 2`).
    .replace(/,(?!\d{3}(?!\d))/g, ';');
}

const RUN = /[0-9.,+\-*/^()= ]+/g;
const OPERATOR = /[-+*/^]/;
const NEIGHBOUR = /[A-Za-z0-9_\\%<>!~≈≤≥≠{}]/;

/**
 * The arithmetic claims of a text: every run of plain arithmetic with `=` in it (`3 + 4 = 7`, `12 / 4 = 3 = 6 / 2`,
 * `x = 12 / 4 = 3` from its first number on), each side recomputed exactly. A run is skipped when it is not
 * plainly arithmetic: glued to a letter or symbol (`3x = 12`, `= 12%`), continuing an expression with a
 * variable (`x + 3 = 11`), a side that does not evaluate, or no operator on any side (`50% of 80 = 40`).
 */
export function arithmeticClaims(text: string): Claim[] {
  const t = normaliseArithmetic(text);
  const out: Claim[] = [];
  for (const m of t.matchAll(RUN)) {
    const raw = m[0];
    if (!raw.includes('=') || /==|=\s*=/.test(raw)) continue;
    const lead = raw.length - raw.trimStart().length;
    let body = raw.trim().replace(/[.,\s]+$/, '');
    const start = m.index! + lead;
    const end = start + body.length;
    if (start > 0 && start === m.index && NEIGHBOUR.test(t[start - 1]!)) continue;
    if (end === m.index! + raw.length && end < t.length && NEIGHBOUR.test(t[end]!)) continue;
    const before = t.slice(0, start).trimEnd();
    if (/^[+*/^]/.test(body)) continue;
    if (body.startsWith('-') && /[A-Za-z0-9)]$/.test(before)) continue;
    let sides = body.split('=').map((s) => s.trim());
    if (sides[0] === '') {
      // `x = 12 / 4 = 3`: the value of x is not ours to check, the chain after it is.
      if (!/[A-Za-z]$/.test(before)) continue;
      sides = sides.slice(1);
      body = sides.join(' = ');
    }
    if (sides.length < 2 || sides.some((s) => s === '')) continue;
    if (!sides.some((s) => OPERATOR.test(s.replace(/^-/, '')))) continue;
    const values = sides.map(evaluate);
    if (values.some((v) => v === undefined)) continue;
    const bad = values.findIndex((v) => !equal(v!, values[0]!));
    out.push(bad < 0 ? { text: body, ok: true } : { text: body, ok: false, detail: `${sides[0]} is ${show(values[0]!)}, not ${sides[bad]}` });
  }
  return out;
}

/** The arithmetic-claims checker: a step with a wrong claim fails; a step with none passes. */
export const arithmeticChecker = (name = 'arithmetic'): StepChecker => ({
  name,
  check({ steps }: StepCheckInput): StepFailure[] {
    const out: StepFailure[] = [];
    for (const s of steps) {
      const wrong = arithmeticClaims(s.text).find((c) => !c.ok);
      if (wrong) out.push(failAt(s, `\`${wrong.text}\`: ${wrong.detail}`));
    }
    return out;
  },
});
