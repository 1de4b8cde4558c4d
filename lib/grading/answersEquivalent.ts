/**
 * answersEquivalent(gold, pred): the one comparison that campaigns (through gradeAnswer), the
 * `check-answers` command and the bench all use. Both strings may be bare answers or whole responses;
 * the answer part is found first (extractAnswerText), normalised, parsed into a shape and compared.
 *
 * Fails closed: a gold or prediction that cannot be read is never equivalent (reason `unparseable-gold`
 * / `unparseable-pred`), unless both normalise to the very same text. Bounded: inputs longer than
 * MAX_INPUT_CHARS are refused, extracted answers longer than MAX_EXPRESSION_CHARS do not parse, and the
 * comparison of the parsed answers stops at `timeoutMs` (default 1000 ms; reason `timeout`).
 */
import { extractAnswerText, findMathSpans } from './extractFinalAnswer';
import { normalizeAnswer } from './normalize';
import { parseAnswer, type Answer } from './answerStructure';
import { answersEqualTop, closeNumbers, ComparisonTimeout, type CompareOptions } from './compareAnswers';
import { evaluate, variablesOf } from './latexExpression';

export type AnswerType = 'number' | 'latex';

export interface EquivalenceOptions {
  /** `number`: both sides must be single real numbers. `latex` (default): any mathematical answer. */
  answerType?: AnswerType;
  /** Decimal places at which two numbers also count as equal (Math-Verify's `precision`). */
  precision?: number;
  /** Strict (default true): `a+3z = 0` is an equation, not the answer 0; false takes any equation's right side. */
  strict?: boolean;
  /**
   * Math-Verify's `allow_set_relation_comp`: a gold set or interval may equal a predicted relation
   * (`x \\in [a,b]` vs `a \\le x \\le b`). A gold relation always equals a predicted set it describes.
   */
  allowSetRelationComp?: boolean;
  /** Time budget of one comparison in ms (default 1000). */
  timeoutMs?: number;
  /** Lists compare in order (MATH's is_equiv convention) instead of as sets. */
  orderedLists?: boolean;
  /** Take the last plain number of prose when there is no LaTeX answer (default true). */
  plainNumbers?: boolean;
}

export type EquivalenceReason = 'match' | 'mismatch' | 'no-answer' | 'unparseable-gold' | 'unparseable-pred' | 'timeout';

export interface Equivalence {
  equivalent: boolean;
  reason: EquivalenceReason;
}

export const MAX_INPUT_CHARS = 200_000;
const DEFAULT_TIMEOUT_MS = 1000;

/** Prose: at least two words (of 3+ letters) outside math and outside `\text{}`-like markup. */
function isProse(text: string): boolean {
  let outside = text;
  for (const s of findMathSpans(text).reverse()) outside = outside.slice(0, s.start) + ' ' + outside.slice(s.end);
  outside = outside.replace(/\\[a-zA-Z]+\s*\{[^{}]*\}/g, ' ').replace(/\\[a-zA-Z]+/g, ' ');
  const words = outside.match(/[a-zA-Z]{3,}/g) ?? [];
  return words.length >= 2;
}

/** A single real number, or undefined (for answerType `number`). */
function numberOf(a: Answer): number | undefined {
  while (a.k === 'list' && a.items.length === 1 && a.open === '') a = a.items[0]!;
  if (a.k !== 'expr' || variablesOf(a.e).size > 0) return undefined;
  const v = evaluate(a.e, new Map());
  if (!Number.isFinite(v.re) || Math.abs(v.im) > 1e-12) return undefined;
  return v.re;
}

/** `12,75` → `12.75` (one comma between digit runs, not a thousands separator); undefined otherwise. */
function decimalCommaReading(text: string): string | undefined {
  const m = /^(-?\d+),(\d+)$/.exec(text);
  if (!m || /^-?[1-9]\d{0,2}(?:,\d{3})+$/.test(text)) return undefined;
  return `${m[1]}.${m[2]}`;
}

const PLAIN_INTEGER_RE = /^[+-]?\d{1,15}$/;

export function answersEquivalent(gold: string, pred: string, opts: EquivalenceOptions = {}): Equivalence {
  const strict = opts.strict ?? true;
  if (gold.length > MAX_INPUT_CHARS) return { equivalent: false, reason: 'unparseable-gold' };
  if (pred.length > MAX_INPUT_CHARS) return { equivalent: false, reason: 'unparseable-pred' };
  const extractOpts = { plainNumbers: opts.plainNumbers ?? true, isProse };
  const goldText = extractAnswerText(gold, extractOpts);
  if (goldText === undefined) return { equivalent: false, reason: 'unparseable-gold' };
  const predText = extractAnswerText(pred, extractOpts);
  if (predText === undefined) return { equivalent: false, reason: 'no-answer' };
  // Most samples of an estimation answer a plain integer: settle those without parsing (a hot path of
  // every sampling phase; plain integers compare by value whatever the options).
  const gi = PLAIN_INTEGER_RE.exec(goldText);
  const pi = gi ? PLAIN_INTEGER_RE.exec(predText) : null;
  if (gi && pi) return Number(gi[0]) === Number(pi[0]) ? { equivalent: true, reason: 'match' } : { equivalent: false, reason: 'mismatch' };

  const ng = normalizeAnswer(goldText);
  const np = normalizeAnswer(predText);
  const cmp: CompareOptions = {
    precision: opts.precision,
    orderedLists: opts.orderedLists,
    strict,
    allowSetRelationComp: opts.allowSetRelationComp,
    deadline: Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS),
  };
  // Parsing is bounded by the size caps; the deadline bounds the comparison itself and starts after it,
  // so the Compute Engine's one-time load in a fresh process is not charged to the first comparison.
  const startClock = () => {
    cmp.deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  };
  try {
    if (opts.answerType === 'number') {
      const g = numberOf(parseAnswer(goldText, strict));
      startClock();
      if (g === undefined) return { equivalent: false, reason: 'unparseable-gold' };
      const pa = parseAnswer(predText, strict);
      let p = numberOf(pa);
      if (p === undefined && pa.k === 'text') {
        const last = extractAnswerText(predText, { plainNumbers: true, isProse: () => true });
        if (last !== undefined && last !== predText) p = numberOf(parseAnswer(last, strict));
      }
      if (p === undefined) return { equivalent: false, reason: pa.k === 'unparsed' ? 'unparseable-pred' : 'mismatch' };
      const eq = closeNumbers(g, p, cmp) || (np.percent && !ng.percent && closeNumbers(g, p / 100, cmp));
      return { equivalent: eq, reason: eq ? 'match' : 'mismatch' };
    }
    if (ng.text === np.text && ng.text.length > 0 && ng.wholeText === np.wholeText) return { equivalent: true, reason: 'match' };
    const a = parseAnswer(goldText, strict);
    const b = parseAnswer(predText, strict);
    startClock();
    if (answersEqualTop(a, b, cmp)) return { equivalent: true, reason: 'match' };
    // `12,75` is a list of two numbers or a decimal comma: the decimal reading when the other side is one value
    const ga = decimalCommaReading(ng.text);
    const pa = decimalCommaReading(np.text);
    if (ga && b.k !== 'list' && answersEqualTop(parseAnswer(ga, strict), b, cmp)) return { equivalent: true, reason: 'match' };
    if (pa && a.k !== 'list' && answersEqualTop(a, parseAnswer(pa, strict), cmp)) return { equivalent: true, reason: 'match' };
    if (a.k === 'unparsed') return { equivalent: false, reason: 'unparseable-gold' };
    if (b.k === 'unparsed') return { equivalent: false, reason: 'unparseable-pred' };
    return { equivalent: false, reason: 'mismatch' };
  } catch (err) {
    if (err instanceof ComparisonTimeout) return { equivalent: false, reason: 'timeout' };
    throw err;
  }
}
