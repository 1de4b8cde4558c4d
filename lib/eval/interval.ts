/**
 * The 95% confidence interval of pass@1 reported beside it: a Wilson score interval on the pooled samples,
 * with the sample count replaced by the effective sample size of a clustered design (Kish's design effect).
 *
 * Why: the k samples of one problem are not independent (a problem is easy or hard for the model), so a
 * Wilson interval over all n*k samples as if independent is far too narrow, while a CLT interval over
 * per-problem pass rates collapses to zero width when every problem is 0/k or k/k and is poor near 0 and 1
 * with few problems. Wilson with n_eff = p(1-p) / Var(mean of per-problem rates) keeps Wilson's behaviour at
 * the edges and its width reflects the clustering: n_eff runs from the number of problems (samples of a
 * problem fully correlated) to the number of samples (independent). When the variance is zero or p is 0 or 1
 * (no information about the correlation), the conservative end, the number of problems, is used.
 */
import { wilsonInterval } from '../estimation/wilson';

export function effectiveSampleSize(perProblem: readonly { n: number; c: number }[]): number {
  const P = perProblem.length;
  if (P === 0) return 0;
  const total = perProblem.reduce((s, q) => s + q.n, 0);
  const rates = perProblem.map((q) => q.c / q.n);
  const mean = rates.reduce((s, r) => s + r, 0) / P;
  if (P < 2 || mean <= 0 || mean >= 1) return P;
  const variance = rates.reduce((s, r) => s + (r - mean) ** 2, 0) / (P - 1);
  const seSquared = variance / P;
  if (seSquared <= 0) return total; // every problem at the same rate strictly inside (0, 1): samples look independent
  return Math.min(total, Math.max(P, (mean * (1 - mean)) / seSquared));
}

/** pass@1 (the mean of per-problem rates) and its clustered Wilson interval. */
export function pass1WithInterval(perProblem: readonly { n: number; c: number }[]): { pass1: number; interval: [number, number] } {
  const P = perProblem.length;
  if (P === 0) return { pass1: NaN, interval: [0, 1] };
  const pass1 = perProblem.reduce((s, q) => s + q.c / q.n, 0) / P;
  const nEff = effectiveSampleSize(perProblem);
  return { pass1, interval: wilsonInterval(pass1 * nEff, nEff) };
}
