/**
 * Minimal complex arithmetic for numeric evaluation of answers (MATH has answers such as `3+4i`, and
 * random substitution can take a square root or log of a negative value). Overflow is reported as NaN,
 * so `2^{100000}` never compares equal to `3^{100000}`; only `\infty` itself evaluates to an infinity.
 */
export interface Complex {
  re: number;
  im: number;
}

export const c = (re: number, im = 0): Complex => ({ re, im });
export const NAN: Complex = { re: NaN, im: NaN };

export function isReal(z: Complex): boolean {
  return Math.abs(z.im) <= 1e-12 * Math.max(1, Math.abs(z.re));
}

export function add(a: Complex, b: Complex): Complex {
  return { re: a.re + b.re, im: a.im + b.im };
}
export function sub(a: Complex, b: Complex): Complex {
  return { re: a.re - b.re, im: a.im - b.im };
}
export function neg(a: Complex): Complex {
  return { re: -a.re, im: -a.im };
}
export function mul(a: Complex, b: Complex): Complex {
  if (a.im === 0 && b.im === 0) return { re: a.re * b.re, im: 0 };
  return { re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re };
}
export function div(a: Complex, b: Complex): Complex {
  if (b.re === 0 && b.im === 0) return NAN;
  if (a.im === 0 && b.im === 0) return { re: a.re / b.re, im: 0 };
  const d = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d };
}
export function abs(a: Complex): number {
  return Math.hypot(a.re, a.im);
}
export function exp(a: Complex): Complex {
  const m = Math.exp(a.re);
  return a.im === 0 ? { re: m, im: 0 } : { re: m * Math.cos(a.im), im: m * Math.sin(a.im) };
}
export function log(a: Complex): Complex {
  if (a.re === 0 && a.im === 0) return NAN;
  if (a.im === 0 && a.re > 0) return { re: Math.log(a.re), im: 0 };
  return { re: Math.log(abs(a)), im: Math.atan2(a.im, a.re) };
}
export function sqrt(a: Complex): Complex {
  if (a.im === 0) return a.re >= 0 ? { re: Math.sqrt(a.re), im: 0 } : { re: 0, im: Math.sqrt(-a.re) };
  const r = abs(a);
  const re = Math.sqrt((r + a.re) / 2);
  const im = Math.sign(a.im) * Math.sqrt((r - a.re) / 2);
  return { re, im };
}
export function pow(a: Complex, b: Complex): Complex {
  if (b.im === 0 && Number.isInteger(b.re) && Math.abs(b.re) <= 64) {
    // exact repeated multiplication keeps (-2)^3 real and i^2 = -1 exact
    let r: Complex = c(1);
    let base = b.re < 0 ? div(c(1), a) : a;
    let n = Math.abs(b.re);
    while (n > 0) {
      if (n & 1) r = mul(r, base);
      base = mul(base, base);
      n >>= 1;
    }
    return r;
  }
  if (a.im === 0 && b.im === 0 && a.re >= 0) return c(Math.pow(a.re, b.re));
  if (a.im === 0 && b.im === 0 && a.re < 0) {
    // real odd roots of negatives: (-8)^(1/3) = -2, as a student means it
    const inv = 1 / b.re;
    if (Number.isInteger(Math.round(inv)) && Math.abs(inv - Math.round(inv)) < 1e-12 && Math.round(inv) % 2 !== 0) {
      return c(-Math.pow(-a.re, b.re));
    }
  }
  if (a.re === 0 && a.im === 0) return b.re > 0 ? c(0) : NAN;
  return exp(mul(b, log(a)));
}
export function sin(a: Complex): Complex {
  if (a.im === 0) return c(Math.sin(a.re));
  return { re: Math.sin(a.re) * Math.cosh(a.im), im: Math.cos(a.re) * Math.sinh(a.im) };
}
export function cos(a: Complex): Complex {
  if (a.im === 0) return c(Math.cos(a.re));
  return { re: Math.cos(a.re) * Math.cosh(a.im), im: -Math.sin(a.re) * Math.sinh(a.im) };
}

/** A real-only fallback for functions we do not extend to complex arguments. */
export function realOnly(a: Complex, f: (x: number) => number): Complex {
  return a.im === 0 ? c(f(a.re)) : NAN;
}

export function isFiniteComplex(a: Complex): boolean {
  return Number.isFinite(a.re) && Number.isFinite(a.im);
}
