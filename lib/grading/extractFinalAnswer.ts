/**
 * Finding the final answer in a completion. Two entry points:
 * - extractFinalAnswer: the project's formats (lib/traces/prompts.ts), in this order: the last `\boxed{}`
 *   or `\fbox{}` (brace matching), the last `<answer>…</answer>`, the last `Final answer:` line, GSM8K's
 *   `#### N`.
 * - extractAnswerText: a wider reading for free-form responses and reference strings, in this priority order
 *   (close to Math-Verify's with boxes first):
 *   1. the last run of boxes (`\boxed{1}, \boxed{2}` is one list; alternatives of one value are one answer),
 *      unless a later "final answer is X. I hope …" sentence follows it;
 *   2. without a box, a "final answer … is X" phrase (the math or number in it);
 *   3. the first math span or number within 50 characters after the last "answer" (`Answer: $6$ since …`);
 *   4. the last LaTeX math span (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`) or, if allowed and later, the last number
 *      of the prose (thousands, decimal commas, plain arithmetic such as `7/2`, a percent);
 *   5. a text without any of these is itself the answer (a bare reference such as `\frac{1}{2}`).
 */

export interface Span {
  start: number;
  end: number;
  content: string;
}

const BOX_RE = /\\(?:boxed|fbox)\s*/g;

/** Every `\boxed{…}` / `\fbox{…}` (and `\boxed 5`) with its braces matched; unclosed boxes are skipped. */
export function findBoxes(text: string): Span[] {
  const out: Span[] = [];
  BOX_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BOX_RE.exec(text))) {
    const open = m.index + m[0].length;
    if (text[open] === '{') {
      let depth = 0;
      let i = open;
      for (; i < text.length; i++) {
        const ch = text[i];
        if (ch === '\\') {
          i++;
          continue;
        }
        if (ch === '{') depth++;
        else if (ch === '}' && --depth === 0) break;
      }
      if (i >= text.length) continue;
      out.push({ start: m.index, end: i + 1, content: text.slice(open + 1, i) });
      BOX_RE.lastIndex = i + 1;
    } else if (m[0].length > '\\boxed'.length || text.startsWith('\\fbox', m.index)) {
      // `\boxed 5`: the argument is the next token
      const tok = /^[^\s$.,;]+/.exec(text.slice(open, open + 100));
      if (tok) out.push({ start: m.index, end: open + tok[0].length, content: tok[0] });
    }
  }
  return out;
}

/** Text between two boxes that still makes them one answer: `\boxed{1}, \boxed{2}` or `… and …`. */
const JOINER_RE = /^(?:[\s$,;.]|\\[\])]|\\[[(]|\\quad|\\qquad|\\,|\\ |\\text\{\s*(?:and|or)\s*\}|\band\b|\bor\b)*$/;

/** The last run of boxes separated only by commas, "and", "or" or math delimiters, joined by ", ". */
export function lastBoxedRun(text: string): Span | undefined {
  const boxes = findBoxes(text);
  if (boxes.length === 0) return undefined;
  let first = boxes.length - 1;
  while (first > 0 && JOINER_RE.test(text.slice(boxes[first - 1]!.end, boxes[first]!.start))) first--;
  const run = boxes.slice(first);
  return { start: run[0]!.start, end: run[run.length - 1]!.end, content: run.map((b) => b.content).join(', ') };
}

function lastMatch(re: RegExp, text: string): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined;
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  let m: RegExpExecArray | null;
  while ((m = g.exec(text))) {
    last = m;
    if (m[0].length === 0) g.lastIndex++;
  }
  return last;
}

const ANSWER_TAG_RE = /<answer>([\s\S]*?)<\/answer>/i;
const FINAL_ANSWER_LINE_RE = /final answer\s*:\s*([^\n]*)/i;
const GSM8K_RE = /####\s*([^\n]*)/;

/** The final answer of a completion in the project's formats, or undefined when it gives none. */
export function extractFinalAnswer(text: string): string | undefined {
  const boxes = findBoxes(text);
  const boxed = boxes[boxes.length - 1];
  if (boxed && boxed.content.trim()) return boxed.content.trim();
  const tag = lastMatch(ANSWER_TAG_RE, text);
  if (tag && tag[1]!.trim()) return tag[1]!.trim();
  const line = lastMatch(FINAL_ANSWER_LINE_RE, text);
  if (line && line[1]!.trim()) return line[1]!.trim();
  const gsm = lastMatch(GSM8K_RE, text);
  if (gsm && gsm[1]!.trim()) return gsm[1]!.trim();
  return undefined;
}

/** "… final answer is X. I hope it is correct." → X (the text after the last "is", if any). */
function finalAnswerPhrase(text: string): (Span & { hope: boolean }) | undefined {
  const m = lastMatch(/final answer\b/i, text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  let seg = text.slice(start, start + 2000);
  const stop = /\n\s*\n|I hope|<\|im_(?:start|end)\|>|\n(?=[A-Z])/.exec(seg);
  const hope = !!stop && stop[0] === 'I hope';
  if (stop) seg = seg.slice(0, stop.index);
  seg = seg.replace(/^\s*[:：]\s*/, '');
  // Strip sentence-level text: "The largest $n$ is 34." → "34"
  const outsideMath = seg.replace(/\$[^$]*\$/g, (s) => ' '.repeat(s.length));
  const is = lastMatch(/\b(?:is|are|be)\b/i, outsideMath);
  if (is) seg = seg.slice(is.index + is[0].length).replace(/^\s*:/, '');
  seg = seg.trim().replace(/[.\s]+$/, '');
  if (!seg) return undefined;
  return { start: m.index, end: start + seg.length, content: seg, hope };
}

/** Math spans: `$$…$$`, `\[…\]`, `\(…\)` may span lines; `$…$` stays on one line; `\$` is a dollar sign. */
export function findMathSpans(text: string): Span[] {
  const out: Span[] = [];
  const re = /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|(?<!\\)\$((?:\\\$|[^$\n])+?)(?<!\\)\$/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const content = m[1] ?? m[2] ?? m[3] ?? m[4] ?? '';
    if (content.trim()) out.push({ start: m.index, end: m.index + m[0].length, content });
  }
  return out;
}

/**
 * A number in prose, Math-Verify's forms in its order: thousands separated by commas or spaces (`1,234.5`,
 * `3 998 060`), a decimal point or comma (`12.75`, `12,75`), an integer; then optionally plain arithmetic on
 * more numbers (`7/2`, `2*7`) and a percent (`25%`, `25 percent`). A unit or currency may follow
 * (`1,000.99€`, `12m²`); a letter or digit may not precede (`AZYUK2A`).
 */
const NUM = String.raw`-?(?:[1-9]\d{0,2}(?:[ ,]\d{3})+(?:\.\d+)?(?!\d)|\d+[.,]\d+|\d+|\.\d+)`;
const PLAIN_NUMBER_RE = new RegExp(
  String.raw`(?<![\w.\\])${NUM}(?:[ \t]*[-+*/×^][ \t]*\d+(?:\.\d+)?)*(?![\d])(?:[ \t]*(?:%|\bpercent(?:age)?\b|\bpct\b))?`,
  'g',
);

/**
 * A number as read from prose, written plainly: `1,234.5` → `1234.5`, `3 998 060` → `3998060`, `12,75` →
 * `12.75`, `25 percent` → `25\%`, `7×2` → `7\times2`.
 */
export function plainNumber(s: string): string {
  const m = new RegExp(`^${NUM}`).exec(s)!;
  let first = m[0];
  if (/^-?[1-9]\d{0,2}(?:[ ,]\d{3})+(?:\.\d+)?$/.test(first)) first = first.replace(/(\d)[ ,](?=\d{3})/g, '$1');
  else first = first.replace(/^(-?\d+),(\d+)$/, '$1.$2');
  const rest = s
    .slice(m[0].length)
    .replace(/×/g, '\\times ')
    .replace(/\s*(?:%|percent(?:age)?|pct)$/, '\\%');
  return first + rest;
}

/** "answer: $6$", "the answer is 6 because …": the first math span or number within 50 characters after the last "answer". */
function answerWordPhrase(text: string, masked: string, spans: Span[], plainNumbers: boolean): string | undefined {
  const re = /\banswer\b/gi;
  const ends: number[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) ends.push(m.index + m[0].length);
  for (let k = ends.length - 1; k >= 0; k--) {
    const from = ends[k]!;
    const span = spans.find((sp) => sp.start >= from && sp.start - from <= 50);
    let num: RegExpExecArray | undefined;
    if (plainNumbers) {
      const g = new RegExp(PLAIN_NUMBER_RE.source, 'g');
      g.lastIndex = from;
      const n = g.exec(masked);
      if (n && n.index - from <= 50) num = n;
    }
    if (span && (!num || span.start <= num.index)) return span.content;
    if (num) return plainNumber(num[0]);
  }
  return undefined;
}

/** Joins the last math span with earlier ones when only "and"/commas separate them (`$1$ and $2$`). */
function lastMathRun(text: string, spans: Span[]): Span | undefined {
  if (spans.length === 0) return undefined;
  let first = spans.length - 1;
  while (first > 0 && /^(?:\s|,|;|\band\b|\bor\b)*$/.test(text.slice(spans[first - 1]!.end, spans[first]!.start)) && text.slice(spans[first - 1]!.end, spans[first]!.start).trim()) first--;
  const run = spans.slice(first);
  return { start: run[0]!.start, end: run[run.length - 1]!.end, content: run.map((s) => s.content).join(', ') };
}

export interface ExtractOptions {
  /** Take the last plain number of prose when there is no LaTeX answer (Math-Verify's `expr` extraction). */
  plainNumbers?: boolean;
  /** Treat the text as prose even if short (used for text that is known to be a full response). */
  isProse?: (text: string) => boolean;
}

/**
 * The answer part of a reference string or a free-form response. Returns the whole text when it holds no
 * delimiters or phrases at all (a bare answer such as `\frac{1}{2}` or `10, 4, -2`).
 */
export function extractAnswerText(text: string, opts: ExtractOptions = {}): string | undefined {
  // Priority (Math-Verify's with boxes first): a box, or "final answer is X. I hope…" if it comes later;
  // then a looser "final answer … is X" phrase; then the last LaTeX span or the last number of prose.
  const boxed = lastBoxedRun(text);
  const phrase = finalAnswerPhrase(text);
  const top = boxed && phrase ? (phrase.hope && phrase.end > boxed.end ? phrase : boxed) : (boxed ?? phrase);
  if (top) {
    if (top === phrase) {
      const inner = extractAnswerText(top.content, { ...opts, plainNumbers: true });
      if (inner !== undefined) return inner;
    }
    return top.content;
  }
  const spans = findMathSpans(text);
  const math = lastMathRun(text, spans);
  let numberSpan: Span | undefined;
  const prose = opts.isProse ? opts.isProse(text) : false;
  const masked = text.replace(/\$\$[\s\S]+?\$\$|\\\[[\s\S]+?\\\]|\\\([\s\S]+?\\\)|(?<!\\)\$(?:\\\$|[^$\n])+?(?<!\\)\$/g, (s) => ' '.repeat(s.length));
  if (prose || math) {
    const phrase = answerWordPhrase(text, masked, spans, opts.plainNumbers !== false);
    if (phrase !== undefined) return phrase;
  }
  if (opts.plainNumbers !== false && (prose || math)) {
    const n = lastMatch(PLAIN_NUMBER_RE, masked);
    if (n) numberSpan = { start: n.index, end: n.index + n[0].length, content: plainNumber(n[0]) };
  }
  if (math && (!numberSpan || math.end >= numberSpan.end)) return math.content;
  if (numberSpan) return numberSpan.content;
  if (math) return math.content;
  if (prose) return undefined;
  const whole = text.trim();
  return whole ? whole : undefined;
}
