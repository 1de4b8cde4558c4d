import { hashUnit } from './random';

/**
 * Which problems of a level are held out: the problems are ranked by a hash of (curriculum seed, problem id)
 * and the first round(n * fraction) are held out. Deterministic, independent of file order, and exact in
 * size (60 problems at 0.2 hold out exactly 12). Adding problems to a level can move the cut-off, which is
 * why the rank depends only on the id and seed: most problems keep their side.
 */
export function heldOutIds(ids: readonly string[], fraction: number, seed: number): Set<string> {
  const n = Math.round(ids.length * fraction);
  const ranked = [...ids].map((id) => ({ id, h: hashUnit(`${seed}:${id}`) })).sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : 1));
  return new Set(ranked.slice(0, n).map((r) => r.id));
}
