/**
 * Beta-binomial predictive distribution: given a Beta(alpha, beta) posterior on the pass rate, the probability
 * of j successes in the next r samples, for j = 0..r. Computed by the pmf's ratio recurrence (no gamma
 * functions), which is exact enough for the small r of pass-rate estimation.
 */
export function betaBinomialPmf(r: number, alpha: number, beta: number): number[] {
  const pmf = new Array<number>(r + 1);
  let p0 = 1;
  for (let i = 0; i < r; i++) p0 *= (beta + i) / (alpha + beta + i);
  pmf[0] = p0;
  for (let j = 0; j < r; j++) {
    pmf[j + 1] = pmf[j]! * ((r - j) / (j + 1)) * ((alpha + j) / (beta + r - j - 1));
  }
  return pmf;
}
