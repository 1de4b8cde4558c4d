/**
 * pass@k with the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on Code",
 * eq. 1): from n samples of a problem of which c are correct, pass@k = 1 - C(n-c, k) / C(n, k), the chance
 * that k of the n samples drawn without replacement hold at least one correct one. Computed as the product
 * prod_{i=n-c+1..n} (1 - k/i) (the paper's numerically stable form), never with factorials.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 0 || c < 0 || c > n || k < 1)
    throw new RangeError(`pass@k needs integers 0 <= c <= n and k >= 1 (got n=${n}, c=${c}, k=${k})`);
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} samples per problem (got ${n})`);
  // Every k-subset holds a correct sample when fewer than k samples are wrong.
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

/** Per problem `{n, c}`: the mean of the per-problem estimates (each problem weighs the same). */
export function meanPassAtK(problems: readonly { n: number; c: number }[], k: number): number {
  if (problems.length === 0) return NaN;
  return problems.reduce((s, p) => s + passAtK(p.n, p.c, k), 0) / problems.length;
}
