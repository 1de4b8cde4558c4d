import type { ModelEntry } from '../registry';
import type { LevelComparison, PromotionEvidence } from '../registry/decidePromotion';

/**
 * The decision column of the report's lineage table in words: the promotion evidence a registry entry keeps
 * (lib/registry/decidePromotion.ts) as "promoted: +0.12 on level 5 (90% interval +0.03 to +0.21, needed
 * lower end > +0.02)", and the entry's other optional fields as plain phrases. A person reads this column;
 * no raw JSON is ever shown in it.
 */

/** A difference in pass rate, signed: +0.12, −0.05 (a true minus sign, so it reads as one). */
export function signed(x: number): string {
  const s = Math.abs(x).toFixed(2);
  return x < 0 && s !== '0.00' ? `\u2212${s}` : `+${s}`;
}

/**
 * The two-sided level of the interval between the two one-sided bounds: each bound is one-sided at
 * `confidence`, so the interval between them holds the estimate with 2·confidence − 1 (0.95 → 90%).
 */
export function intervalLevel(confidence: number): string {
  return `${Math.round(100 * (2 * confidence - 1))}%`;
}

/** "+0.12 on level 5 (90% interval +0.03 to +0.21, 8 problems" (the caller closes the parenthesis). */
function effect(c: LevelComparison, confidence: number): string {
  const problems = `${c.problems} problem${c.problems === 1 ? '' : 's'}`;
  // compareLevel reports bounds of -1 and 1 when fewer than 2 problems were evaluated: no interval exists.
  if (c.problems < 2) return `${signed(c.estimate)} on level ${c.level} (${problems}, too few for an interval`;
  return `${signed(c.estimate)} on level ${c.level} (${intervalLevel(confidence)} interval ${signed(c.lower)} to ${signed(c.upper)}, ${problems}`;
}

/** The promotion decision in words, from the entry's status and its evidence (undefined when there is none). */
export function promotionText(status: ModelEntry['status'], evidence: PromotionEvidence | undefined): string | undefined {
  if (!evidence || (status !== 'promoted' && status !== 'rejected')) return undefined;
  const e = evidence;
  const needed = `needed lower end > ${signed(e.minEffect)}`;
  const frontier = `${effect(e.frontier, e.confidence)}, ${needed})`;
  if (status === 'promoted') {
    const below = e.below.length ? `; no drop beyond ${e.tolerance.toFixed(2)} on level${e.below.length > 1 ? 's' : ''} ${e.below.map((c) => c.level).join(', ')}` : '';
    return `promoted: ${frontier}${below}`;
  }
  const regressed = e.below.find((c) => c.upper < 0 && c.estimate < -e.tolerance - 1e-9);
  if (regressed && e.frontier.lower > e.minEffect) {
    return `rejected: regressed ${effect(regressed, e.confidence)}, a drop beyond the ${e.tolerance.toFixed(2)} allowed), although ${frontier}`;
  }
  return `rejected: ${frontier}`;
}

/** Registry fields the lineage table shows in columns of their own (or as the decision itself). */
const SHOWN = new Set(['modelId', 'provider', 'parent', 'round', 'datasetRef', 'datasetSha256', 'jobId', 'evaluation', 'status', 'reason', 'createdAt', 'updatedAt', 'promotionEvidence']);

/**
 * The other optional fields of a registry entry (a deployment, fields written by newer code), as phrases:
 * a deployment as what served the model and for how long, anything else as `name: value` with nested
 * values flattened to `key value` pairs.
 */
export function otherFieldsText(m: Record<string, unknown>): string {
  return Object.entries(m)
    .filter(([k, v]) => !SHOWN.has(k) && v !== undefined)
    .map(([k, v]) => (k === 'deployment' && v && typeof v === 'object' ? deploymentText(v as NonNullable<ModelEntry['deployment']>) : `${k}: ${plain(v)}`))
    .join('; ');
}

function deploymentText(d: NonNullable<ModelEntry['deployment']>): string {
  const time = d.runningSeconds !== undefined ? `, ran ${(d.runningSeconds / 3600).toFixed(2)} h` : '';
  return `deployment ${d.id}${d.provider ? ` on ${d.provider}` : ''}, served as ${d.servedModel}${time}${d.deletedAt ? ' (torn down)' : ' (live)'}`;
}

/** A value without JSON punctuation: scalars as they are, lists joined by commas, objects as `key value` pairs. */
export function plain(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (Array.isArray(v)) return v.map(plain).join(', ');
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k} ${typeof x === 'object' && x !== null ? `(${plain(x)})` : plain(x)}`).join(', ');
  return typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toFixed(4))) : String(v);
}
