/**
 * String normalisation of an extracted answer, before it is parsed: the notational noise that carries no
 * value (sizing commands, spacing, units in `\text{}`, degrees, currency, thousands separators) goes, and
 * synonyms get one spelling (`\dfrac` → `\frac`, `>=` → `\geq`). Percent is removed but remembered, since
 * `20\%` may be compared with `20` or with `0.2`.
 */

export interface NormalizedAnswer {
  text: string;
  percent: boolean;
  /** The whole answer was `\text{…}`: a word answer such as `\text{(C)}` or `\text{Monday}`. */
  wholeText: boolean;
}

/** Commands that a doubled backslash (`\\frac`, an escaping artefact) should still be read as. */
const KNOWN_COMMANDS =
  'frac|dfrac|tfrac|cfrac|left|right|sqrt|cdot|times|div|pi|text|textbf|mathrm|boxed|circ|infty|cup|cap|leq?|geq?|neq?|pm|mp|in|approx|sin|cos|tan|log|ln|alpha|beta|theta|begin|end';
const DOUBLED_BACKSLASH_RE = new RegExp(`\\\\\\\\(?=(?:${KNOWN_COMMANDS})(?![a-zA-Z]))`, 'g');
const TEXT_CMD_RE = /\\(?:text|textbf|textit|textrm|textsf|texttt|textnormal|textup|mathrm|mathit|mathsf|mathbf|mbox|operatorname\*?)\s*\{([^{}]*)\}/g;
const UNIT_WORD_RE = /^\s*[a-zA-Z]+(?:[\s.\-/]+[a-zA-Z]+)*\s*\.?\s*$/;
const PERCENT_WORD = String.raw`percentage|percent|pct`;

/**
 * Unit words that may follow a number without `\text{}` (`\boxed{12 cm}`, `5 square feet`): lengths, areas,
 * volumes, masses, times, money, angles, and counting words. Plural `s` is accepted.
 */
const UNIT_WORDS = new Set(
  (
    'mm cm dm m km in inch inches ft foot feet yd yard mi mile meter metre centimeter centimetre millimeter kilometer ' +
    'kilometre micrometer nanometer mg g kg gram kilogram milligram ton tonne lb lbs pound ounce oz ml l liter litre ' +
    'gallon quart pint cup s sec second min minute h hr hour day week month year ms mph kph km/h m/s ' +
    'dollar cent euro usd eur yen pound rupee deg degree radian rad unit square sq cubic cu people person ' +
    'student child children item ways way apple point times'
  ).split(' '),
);
const isUnitWord = (w: string) => {
  const x = w.toLowerCase();
  return UNIT_WORDS.has(x) || (x.endsWith('s') && UNIT_WORDS.has(x.slice(0, -1))) || (x.endsWith('es') && UNIT_WORDS.has(x.slice(0, -2)));
};
/** A value followed by unit words only (`426 feet`, `12 square meters`, `5 m^2`): the value. */
function stripTrailingUnits(s: string): string {
  const m = /^(.*?[\d}.)])\s+((?:[a-zA-Z]+(?:\^\s*\{?\d\}?)?\s*)+)$/.exec(s);
  if (!m) return s;
  const words = m[2]!.replace(/\^\s*\{?\d\}?/g, ' ').trim().split(/\s+/);
  return words.every(isUnitWord) ? m[1]!.trim() : s;
}

export function normalizeAnswer(raw: string): NormalizedAnswer {
  let s = raw;
  let percent = false;
  s = s.replace(DOUBLED_BACKSLASH_RE, '\\');
  // unicode spellings
  s = s
    .replace(/[−–—]/g, '-')
    .replace(/×/g, '\\times ')
    .replace(/[·⋅]/g, '\\cdot ')
    .replace(/÷/g, '\\div ')
    .replace(/≤/g, '\\leq ')
    .replace(/≥/g, '\\geq ')
    .replace(/≠/g, '\\neq ')
    .replace(/π/g, '\\pi ')
    .replace(/∞/g, '\\infty ')
    .replace(/√/g, '\\sqrt ')
    .replace(/∪/g, '\\cup ')
    .replace(/°/g, '')
    .replace(/²/g, '^2')
    .replace(/³/g, '^3');
  const trimmed = s.trim().replace(/[.\s]+$/, '');
  const whole = /^\\(?:text|textbf|textit|textrm|mathrm|mbox)\s*\{([^{}]*)\}$/.exec(trimmed);
  if (whole) return { text: cleanTextAnswer(whole[1]!), percent: false, wholeText: true };

  s = s
    .replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg)\s*\./g, '')
    .replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg)(?![a-zA-Z])/g, '')
    .replace(/\\(?:d|t|c)frac(?![a-zA-Z])/g, '\\frac')
    .replace(/\\(?:d|t)binom(?![a-zA-Z])/g, '\\binom')
    .replace(/\\displaystyle|\\limits|\\nolimits/g, '')
    .replace(/\\lbrace/g, '\\{')
    .replace(/\\rbrace/g, '\\}')
    .replace(/\\(?:langle)/g, '(')
    .replace(/\\(?:rangle)/g, ')');
  // thousands separators written for typesetting: 14{,}916, 11,\!111
  s = s.replace(/(\d)\s*\{\s*,\s*\}\s*(?=\d)/g, '$1').replace(/(\d),\\!\s*(?=\d{3})/g, '$1');
  s = s.replace(/(?<!\\)\\!/g, '');
  s = s.replace(/\\q?quad/g, ' ').replace(/(?<!\\)\\[,;: ]/g, ' ').replace(/~/g, ' ');
  // \text{…}: "and"/"or" separate answers, unit words go, anything else is unwrapped
  s = s.replace(TEXT_CMD_RE, (_m, inner: string) => {
    const t = inner.trim();
    if (/^(?:and|or)$/i.test(t)) return ' and ';
    if (t === '') return ' ';
    if (new RegExp(`^(?:${PERCENT_WORD})$`, 'i').test(t)) return ' \\% ';
    // a unit after a space: `5\text{ m}`, `5\textnormal{ km}`
    if (/^\s+[a-zA-Z]{1,3}\s*$/.test(inner) && isUnitWord(t)) return ' \\unit ';
    if (UNIT_WORD_RE.test(t) && t.replace(/[^a-zA-Z]/g, '').length >= 2) return ' \\unit ';
    return ` ${t} `;
  });
  // a unit may carry a power: \text{cm}^2
  s = s.replace(/\\unit\s*\^\s*(?:\{[^{}]*\}|\d)/g, ' ').replace(/\\unit/g, ' ');
  // degrees
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree/g, '');
  // percent
  const percentRe = new RegExp(String.raw`\\%|%|\b(?:${PERCENT_WORD})\b`, 'g');
  if (percentRe.test(s)) {
    percent = true;
    s = s.replace(percentRe, '');
  }
  // currency
  s = s.replace(/\\\$|\$/g, '').replace(/\b(?:dollars?|cents?)\b/g, '');
  // relation spellings
  s = s
    .replace(/>=|=>/g, '\\geq ')
    .replace(/<=|=</g, '\\leq ')
    .replace(/!=/g, '\\neq ')
    .replace(/\\(?:geqslant|ge)(?![a-zA-Z])/g, '\\geq ')
    .replace(/\\(?:leqslant|le)(?![a-zA-Z])/g, '\\leq ')
    .replace(/\\ne(?![a-zA-Z])/g, '\\neq ')
    .replace(/\\lt(?![a-zA-Z])/g, '<')
    .replace(/\\gt(?![a-zA-Z])/g, '>');
  s = s.replace(/\s+/g, ' ').trim();
  // trailing sentence punctuation
  s = s.replace(/(?:\s|[.;,]|\\\\)+$/, '').replace(/^(?:[\s,;:=]|\\approx)+/, '');
  // unit words without \text after the value: `426 feet`
  s = stripTrailingUnits(s);
  // a lone number with thousands separators: 7,425,000 or 10,455.50, or spaces: 3 998 060
  if (/^[-+]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  if (/^[-+]?[1-9]\d{0,2}(?: \d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/ /g, '');
  // scientific notation written plainly: 1.5e3, 2E-4
  const sci = /^([-+]?\d+(?:\.\d+)?)[eE]([-+]?\d+)$/.exec(s);
  if (sci) s = `${sci[1]}\\times10^{${sci[2]}}`;
  // a trailing ".0" (1000.0) carries no value
  s = s.replace(/^([-+]?\d+)\.0+$/, '$1');
  return { text: s, percent, wholeText: false };
}

/** A word answer: case, spacing, markup and surrounding parentheses do not matter ("(C)" = "C"). */
export function cleanTextAnswer(t: string): string {
  let s = t.replace(/\\[a-zA-Z]+\s*\{([^{}]*)\}/g, '$1').replace(/\s+/g, ' ').trim().replace(/[.]+$/, '');
  const paren = /^\(([^()]*)\)$/.exec(s);
  if (paren) s = paren[1]!.trim();
  return s;
}
