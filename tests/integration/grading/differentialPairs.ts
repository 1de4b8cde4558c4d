/**
 * Generated answer pairs for the differential test against Math-Verify (mathverifyDiff.test.ts) and for the
 * category unit tests: for each rule category of the grader, forms that should be equivalent and near
 * misses that should not, with random numbers from a fixed seed (the set is the same on every run).
 * No pair is copied from a test suite; the templates are ours.
 */

import { mulberry32 } from '../../../lib/random';

export interface GeneratedPair {
  id: string;
  category: string;
  gold: string;
  pred: string;
  /** Math-Verify's compare settings (the `params` of a check-answers line). */
  params?: { precision?: number; strict?: boolean; allow_set_relation_comp?: boolean; match_types?: string[] };
}

type Template = (r: Rand) => [string, string, GeneratedPair['params']?][];

class Rand {
  constructor(private next: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** Two distinct integers a < b in [lo, hi]. */
  range(lo: number, hi: number): [number, number] {
    const a = this.int(lo, hi - 1);
    return [a, this.int(a + 1, hi)];
  }
}

const VARS = ['x', 'y', 't', 'n', 'k', 'a'];
const UNITS = ['cm', 'm', 'km', 'kg', 'g', 'hours', 'minutes', 'meters', 'miles', 'units', 'inches', 'feet', 'dollars', 'degrees'];
const WORDS = ['The answer is', 'So the result is', 'Therefore the total is', 'Hence we get', 'This gives'];

const fmtThousands = (n: number, sep: string) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, sep);

const TEMPLATES: Record<string, Template> = {
  'numbers/fractions': (r) => {
    const q = r.pick([2, 4, 5, 8, 10, 20, 25]);
    const p = r.int(1, 3 * q);
    const v = p / q;
    return [
      [`$\\frac{${p}}{${q}}$`, `$${v}$`],
      [`$\\frac{${p}}{${q}}$`, `$${v + 0.01}$`],
      [`${p}/${q}`, `$\\dfrac{${p}}{${q}}$`],
      [`$-\\frac{${p}}{${q}}$`, `$\\frac{-${p}}{${q}}$`],
      [`$\\frac{${p}}{${q}}$`, `$-\\frac{${p}}{${q}}$`],
    ];
  },
  'numbers/separators': (r) => {
    const n = r.int(1000, 9_999_999);
    const d = r.int(10, 99);
    return [
      [`${n}`, `${fmtThousands(n, ',')}`],
      [`$${n}$`, `$${fmtThousands(n, '{,}')}$`],
      [`${n}`, `${fmtThousands(n, ' ')}`],
      [`${n}`, `${fmtThousands(n + 1, ',')}`],
      [`${n}.${d}`, `${n},${d}`],
      [`${n}.${d}`, `${fmtThousands(n, ',')}.${d}`],
      [`${n % 100}.${d}`, `${n % 100},${d}`],
      [`${n % 100}.${d}`, `${n % 100},${(d + 1) % 100}`],
    ];
  },
  'numbers/prose': (r) => {
    const a = r.int(2, 500);
    const c = r.int(10, 99);
    const cur = r.pick(['$', '€', ' dollars', ' euros', ' USD']);
    const w = r.pick(WORDS);
    return [
      [`${a}.${c}`, `${w} ${a}.${c}${cur}.`],
      [`${a}.${c}`, `${w} ${a},${c}${cur}.`],
      [`${a}.${c}`, `${w} ${a}.${c + 1 > 99 ? 10 : c + 1}${cur}.`],
      [`${a}`, `We need ${a + 7} steps first, and in the end ${w.toLowerCase()} ${a}.`],
      [`${a}\\%`, `${w} ${a} percent.`],
      [`$${a}\\%$`, `$${a}$ percent`],
      [`$${a}\\%$`, `${a + 1} percent`],
    ];
  },
  'intervals/inequalities': (r) => {
    const [a, b] = r.range(-9, 9);
    const v = r.pick(VARS);
    const yes = { allow_set_relation_comp: true };
    return [
      [`$${a} \\le ${v} \\le ${b}$`, `$${v} \\in [${a},${b}]$`],
      [`$${v} \\in [${a},${b}]$`, `$${a} \\le ${v} \\le ${b}$`, yes],
      [`$${v} \\in [${a},${b}]$`, `$${a} \\le ${v} \\le ${b}$`],
      [`$${a} < ${v} < ${b}$`, `$(${a},${b})$`],
      [`$(${a},${b})$`, `$${a} < ${v} < ${b}$`, yes],
      [`$(${a},${b}]$`, `$${a} < ${v} \\leq ${b}$`, yes],
      [`$(${a},${b})$`, `$${a} \\le ${v} < ${b}$`, yes],
      [`$[${a},${b}]$`, `$${a} \\le ${v} \\le ${b + 1}$`, yes],
      [`$${v} > ${a}$`, `$(${a}, \\infty)$`],
      [`$(-\\infty, ${a}]$`, `$${v} \\le ${a}$`, yes],
      [`$(-\\infty, ${a}) \\cup (${b}, \\infty)$`, `$${v} < ${a} \\text{ or } ${v} > ${b}$`, yes],
      [`$${a} < f(${v}) < ${b}$`, `$(${a},${b})$`],
      [`$(${a},${b})$`, `$${a} < g(${v}) < ${b}$`, yes],
    ];
  },
  'intervals/absolute': (r) => {
    const c = r.int(-5, 5);
    const d = r.int(1, 6);
    const v = r.pick(['x', 'y', 't']);
    const sh = c === 0 ? v : c > 0 ? `${v} - ${c}` : `${v} + ${-c}`;
    const yes = { allow_set_relation_comp: true };
    return [
      [`$|${sh}| \\le ${d}$`, `$[${c - d}, ${c + d}]$`],
      [`$[${c - d}, ${c + d}]$`, `$|${sh}| \\le ${d}$`, yes],
      [`$|${sh}| > ${d}$`, `$(-\\infty, ${c - d}) \\cup (${c + d}, \\infty)$`],
      [`$|${sh}| < ${d}$`, `$(${c - d}, ${c + d + 1})$`],
    ];
  },
  'sets/lists': (r) => {
    const a = r.int(-9, 9);
    const b = r.int(10, 20);
    const c = r.int(-9, 9);
    const d = r.int(21, 30);
    return [
      [`$(${a},${b}),(${c},${d})$`, `$x=${a},y=${b};x=${c},y=${d}$`],
      [`$(${a},${b}),(${c},${d})$`, `$(${c},${d}),(${a},${b})$`],
      [`$\\{${a},${b}\\}$`, `$\\{${b},${a}\\}$`],
      [`$${a},${b}$`, `$\\boxed{${a}}, \\boxed{${b}}$`],
      [`$\\boxed{${a}, ${b}}$`, `$\\boxed{${a}}$ and $\\boxed{${b}}$`],
      [`$${a},${b}$`, `$\\boxed{${a}}, \\boxed{${b + 1}}$`],
      [`$(${a},${b})$`, `$(${b},${a})$`],
      [`$\\{${a},${b}\\}$`, `$\\{${a},${b},${d}\\}$`],
    ];
  },
  'equations/labelled': (r) => {
    const p = r.int(2, 30);
    const q = r.int(2, 9);
    const lbl = r.pick(['|AB|', 'PQ', 'AB', 'BC', 'x', 'S', 'h', 'm\\angle A']);
    return [
      [`$${p}$`, `$${lbl} = ${p}$`],
      [`$${lbl} = ${p}$`, `$${p}$`],
      [`$\\frac{${p}}{${q}}$`, `$\\frac{AB}{BC} = \\frac{${p}}{${q}}$`],
      [`$${p}$`, `$${lbl} = ${p + 1}$`],
      [`$\\frac{${p}}{${q}}$`, `$x = \\frac{${p}}{${q}} \\approx ${(p / q).toFixed(2)}$`],
      [`$x = \\frac{${p}}{${q}}$`, `$x = \\frac{${2 * p}}{${2 * q}} = \\frac{${p}}{${q}}$`],
      [`$x = ${p}$`, `$y = ${p}$`],
      [`$x = ${p}$`, `$y = ${p}$`, { strict: false }],
    ];
  },
  'equations/relations': (r) => {
    const a = r.int(1, 6);
    const b = r.int(1, 6);
    const c = r.int(-9, 9);
    const k = r.int(2, 4);
    const v = r.pick(['b', 'c', 'm']);
    return [
      // a line in two forms: a x - b y + c = 0  <=>  y = (a/b) x + c/b
      [`$${a}x - ${b}y + ${c < 0 ? `(${c})` : c} = 0$`, `$y = \\frac{${a}}{${b}}x + \\frac{${c}}{${b}}$`],
      [`$${a}x + ${b}y = ${c}$`, `$${k * a}x + ${k * b}y = ${k * c}$`],
      [`$${a}x + ${b}y = ${c}$`, `$${a}x - ${b}y = ${c}$`],
      [`$${c} = ${a}${v} + d$`, `$${a}${v} + d$`],
      [`$${c} = ${a}${v} + d$`, `$${c}$`],
      [`$${c}$`, `$${a}${v} + d = ${c}$`],
      [`$x^2 + ${a}x = ${b}$`, `$${b}$`],
    ];
  },
  units: (r) => {
    const n = r.int(2, 900);
    const u = r.pick(UNITS);
    return [
      [`$${n}$`, `$${n}\\text{ ${u}}$`],
      [`$${n}$`, `$\\boxed{${n} ${u}}$`],
      [`$${n}$`, `$${n}\\textnormal{ ${u}}$`],
      [`$${n}\\text{ cm}^2$`, `$${n}$ cm²`],
      [`$${n}$`, `$\\boxed{${n + 1}\\text{ ${u}}}$`],
      [`$${n}\\%$`, `$\\boxed{${n} \\text{ percent}}$`],
      [`$${n}^\\circ$`, `$${n}$ degrees`],
    ];
  },
  matrices: (r) => {
    const m = Array.from({ length: 4 }, () => r.int(-5, 9));
    const n = Array.from({ length: 4 }, () => r.int(-5, 9));
    const k = r.int(2, 5);
    const M = (x: number[]) => `\\begin{pmatrix} ${x[0]} & ${x[1]} \\\\ ${x[2]} & ${x[3]} \\end{pmatrix}`;
    const sum = m.map((x, i) => x + n[i]!);
    const prod = [m[0]! * n[0]! + m[1]! * n[2]!, m[0]! * n[1]! + m[1]! * n[3]!, m[2]! * n[0]! + m[3]! * n[2]!, m[2]! * n[1]! + m[3]! * n[3]!];
    return [
      [`$${M(sum)}$`, `$${M(m)} + ${M(n)}$`],
      [`$${M(prod)}$`, `$${M(m)} ${M(n)}$`],
      [`$${M(m.map((x) => k * x))}$`, `$${k} ${M(m)}$`],
      [`$${M(m)}$`, `$\\begin{bmatrix} ${m[0]} & ${m[1]} \\\\ ${m[2]} & ${m[3]} \\end{bmatrix}$`],
      [`$${M(sum)}$`, `$${M(m)} - ${M(n)}$`],
      [`$${M(m)}$`, `$${M([m[0]!, m[1]!, m[2]!, m[3]! + 1])}$`],
    ];
  },
  functions: (r) => {
    const a = r.int(2, 9);
    const [f, g] = r.pick([['x', 'y'], ['t', 's'], ['n', 'm']] as const);
    return [
      [`$f(${f}) = ${a}${f}^2 + 1$`, `$f(${g}) = ${a}${g}^2 + 1$`],
      [`$f(${f}) = ${a}${f}^2 + 1$`, `$f(${g}) = ${a}${g}^2 + 1$`, { strict: false }],
      [`$${a}${f} + 1$`, `$${a}${g} + 1$`],
      [`$${a}${f} + 1$`, `$${a}${g} + 1$`, { strict: false }],
      [`$${a}${f} + 1$`, `$${a}${g} + 2$`, { strict: false }],
    ];
  },
  extraction: (r) => {
    const a = r.int(2, 99);
    const b = r.int(2, 99);
    return [
      [`$${a}$`, `First we find $${b}$ apples. \\boxed{${a}}. The final answer is therefore the boxed value.`],
      [`$${a}$`, `We compute $${b} + 1$ and so on. Final answer: the final answer is $${a}$.`],
      [`$${a}$`, `The count is $\\boxed{${a}}$ or, written out, $\\boxed{${a}.0}$.`],
      [`$${a}$`, `It is either $\\boxed{${a}}$ or $\\boxed{${a + b}}$.`],
      [`$${a}$`, `There are ${b} boxes and ${a} balls left, so the answer is ${a}`],
      [`$\\frac{${a}}{${b}}$`, `Dividing gives \\[ \\frac{${a}}{${b}} \\] as required.`],
      [`$${a}$`, `After simplifying we get ${a + 1}.`],
    ];
  },
  'intervals/more': (r) => {
    const [a, b] = r.range(-9, 0);
    const [c, d] = r.range(1, 9);
    const v = r.pick(VARS);
    return [
      [`$${v} \\geq ${a}$`, `$[${a}, \\infty)$`],
      [`$${v} \\geq ${a}$`, `$(${a}, \\infty)$`],
      [`$(${a},${b}) \\cup (${c},${d})$`, `$(${c},${d}) \\cup (${a},${b})$`],
      [`$(${a},${b}) \\cup (${c},${d})$`, `$(${a},${b}] \\cup (${c},${d})$`],
      [`$${a} \\leq ${v} < ${d}$`, `$[${a}, ${d})$`],
      [`$[${a}, ${d}]$`, `$[${a}, ${d}]$`],
      [`$(${a}, ${d})$`, `$\\{${a}, ${d}\\}$`],
    ];
  },
  'numbers/more': (r) => {
    const a = r.int(1, 99);
    const c = r.int(10, 99);
    return [
      [`$${a}.${c}$`, `$-${a}.${c}$`],
      [`${a},${c}`, `$${a},${c}$`],
      [`$0.${c}$`, `$${c}\\%$`],
      [`$${a}\\%$`, `$0.${String(a).padStart(2, '0')}$`],
      [`$${a}$`, `$${a}.000$`],
      [`$${a * 1000}$`, `$${a}\\,000$`],
      [`$${a}$`, `$\\text{${a}}$`],
    ];
  },
  'equations/more': (r) => {
    const a = r.int(2, 9);
    const b = r.int(2, 9);
    return [
      [`$x^2 + ${a}x = ${b}$`, `$x^2 + ${a}x - ${b} = 0$`],
      [`$y = ${a}x + ${b}$`, `$${a}x + ${b}$`],
      [`$y = ${a}x + ${b}$`, `$${a}x - y + ${b} = 0$`],
      [`$x = ${a}, y = ${b}$`, `$(${a}, ${b})$`],
      [`$${a}$`, `$x = ${a} \\text{ or } x = ${a}$`],
      [`$\\sqrt{${a * a}} = ${a}$`, `$${a}$`],
      [`$x + y = ${a}$`, `$y + x = ${a}$`],
    ];
  },
  text: (r) => {
    const l = r.pick(['A', 'B', 'C', 'D', 'E']);
    const w = r.pick(['Monday', 'even', 'yes', 'Evelyn']);
    return [
      [`$\\text{(${l})}$`, `$\\boxed{${l}}$`],
      [`$\\text{${w}}$`, `$\\boxed{\\text{${w}}}$`],
      [`$\\text{${w}}$`, `The answer is \\boxed{\\text{no}}`],
      [`$\\text{(${l})}$`, `$\\boxed{(${l === 'A' ? 'B' : 'A'})}$`],
    ];
  },
  precision: (r) => {
    const q = r.pick([3, 7, 9, 11, 13]);
    const p = r.int(1, q - 1);
    const v = p / q;
    return [
      [`$\\frac{${p}}{${q}}$`, `$${v.toFixed(2)}$`, { precision: 2 }],
      [`$\\frac{${p}}{${q}}$`, `$${v.toFixed(2)}$`, { precision: 4 }],
      [`$\\frac{${p}}{${q}}$`, `$${v.toFixed(4)}$`, { precision: 4 }],
      [`$\\frac{${p}}{${q}}$`, `$${v.toFixed(3)}$`],
    ];
  },
};

/** Every category's forms, `perTemplate` random instances each, from seed `seed`. */
export function generatePairs(perTemplate = 4, seed = 20261130): GeneratedPair[] {
  const r = new Rand(mulberry32(seed));
  const out: GeneratedPair[] = [];
  for (const [category, t] of Object.entries(TEMPLATES)) {
    for (let i = 0; i < perTemplate; i++) {
      t(r).forEach(([gold, pred, params], j) => {
        out.push({ id: `${category}#${i}.${j}`, category, gold, pred, ...(params ? { params } : {}) });
      });
    }
  }
  return out;
}
