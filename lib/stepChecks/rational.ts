/** Exact rationals over BigInt, enough to recompute the arithmetic a step claims. */
export interface Rational {
  n: bigint;
  d: bigint;
}

const abs = (x: bigint) => (x < 0n ? -x : x);
function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

export function rat(n: bigint, d = 1n): Rational {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

/** `12`, `-3.25`, `1,250` (thousands separators), as an exact rational. */
export function parseDecimal(text: string): Rational {
  const t = text.replace(/,/g, '');
  const [int, frac = ''] = t.split('.');
  return rat(BigInt(`${int}${frac}` || '0'), 10n ** BigInt(frac.length));
}

export const add = (a: Rational, b: Rational) => rat(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational) => rat(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational) => rat(a.n * b.n, a.d * b.d);
export const div = (a: Rational, b: Rational) => rat(a.n * b.d, a.d * b.n);
export const equal = (a: Rational, b: Rational) => a.n === b.n && a.d === b.d;

/** Integer powers only (|exponent| <= 64, so a claim cannot ask for a huge number). */
export function pow(a: Rational, e: Rational): Rational {
  if (e.d !== 1n || abs(e.n) > 64n) throw new RangeError('only small integer exponents');
  const k = e.n < 0n ? -e.n : e.n;
  const p = rat(a.n ** k, a.d ** k);
  return e.n < 0n ? div(rat(1n), p) : p;
}

export function show(r: Rational): string {
  return r.d === 1n ? `${r.n}` : `${r.n}/${r.d}`;
}
