/**
 * Contamination: a training problem that is a near-duplicate of a problem of a standard test split (an
 * eval-only curriculum). Questions are normalised like traces (lib/datasets/nearDuplicates.ts) and cut into
 * 8-word shingles (short enough to survive a reworded sentence, long enough that two different word problems
 * rarely share one); a training question is contaminated when it is identical after normalising, or when half
 * or more of the shingles of either question are found in the other (containment, so a test problem padded
 * with a sentence, or cut short, is still caught). Questions under 8 words match only when identical.
 */
import { normaliseText, shingles } from './nearDuplicates';

export const CONTAMINATION_SHINGLE = 8;
export const CONTAMINATION_CONTAINMENT = 0.5;

export interface EvalProblemRef {
  /** The eval set (curriculum name) and problem id, for the message. */
  set: string;
  id: string;
  question: string;
}

export interface ContaminationMatch {
  set: string;
  id: string;
  /** The larger of the two containments, 1 for identical text. */
  overlap: number;
}

export class ContaminationIndex {
  private readonly exact = new Map<string, EvalProblemRef>();
  private readonly byShingle = new Map<string, number[]>();
  private readonly sizes: number[] = [];
  private readonly refs: EvalProblemRef[] = [];

  constructor(problems: Iterable<EvalProblemRef>) {
    for (const p of problems) {
      const text = normaliseText(p.question);
      this.exact.set(text, p);
      const i = this.refs.length;
      this.refs.push(p);
      const sh = shingles(text, CONTAMINATION_SHINGLE);
      this.sizes.push(sh.size);
      for (const s of sh) {
        const list = this.byShingle.get(s);
        if (list) list.push(i);
        else this.byShingle.set(s, [i]);
      }
    }
  }

  get size(): number {
    return this.refs.length;
  }

  /** The eval problem a training question duplicates, or undefined. */
  match(question: string): ContaminationMatch | undefined {
    const text = normaliseText(question);
    const same = this.exact.get(text);
    if (same) return { set: same.set, id: same.id, overlap: 1 };
    const sh = shingles(text, CONTAMINATION_SHINGLE);
    if (text.split(' ').length < CONTAMINATION_SHINGLE) return undefined;
    const shared = new Map<number, number>();
    for (const s of sh) for (const i of this.byShingle.get(s) ?? []) shared.set(i, (shared.get(i) ?? 0) + 1);
    let best: ContaminationMatch | undefined;
    for (const [i, n] of shared) {
      const overlap = Math.max(n / sh.size, n / this.sizes[i]!);
      if (overlap >= CONTAMINATION_CONTAINMENT && (!best || overlap > best.overlap)) best = { set: this.refs[i]!.set, id: this.refs[i]!.id, overlap };
    }
    return best;
  }
}

/** The training problems (id and question) that duplicate an eval problem, with the match of each. */
export function contaminatedProblems(problems: Iterable<{ id: string; question: string }>, index: ContaminationIndex): Map<string, ContaminationMatch> {
  const out = new Map<string, ContaminationMatch>();
  for (const p of problems) {
    const m = index.match(p.question);
    if (m) out.set(p.id, m);
  }
  return out;
}
