/** Wilson score interval for a binomial proportion (95% by default); [0, 1] when nothing was sampled. */
export function wilsonInterval(successes: number, samples: number, z = 1.959963984540054): [number, number] {
  if (samples <= 0) return [0, 1];
  const p = successes / samples;
  const z2 = z * z;
  const denom = 1 + z2 / samples;
  const centre = (p + z2 / (2 * samples)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / samples + z2 / (4 * samples * samples))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
