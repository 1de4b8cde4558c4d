import { unredoneFlags } from '../traces/flags';
import type { TraceRecord } from '../traces/record';
import { finalAssistantTurns } from './examples';
import { jaccard, NEAR_DUPLICATE_JACCARD, normaliseText, shingles } from './nearDuplicates';

export interface SelectOptions {
  /** At most this many traces per problem (default 10). */
  perProblemCap?: number;
  /** Drop traces whose messages hold more characters than this in total. */
  maxChars?: number;
  /** Drop a trace whose final assistant text is a near-duplicate of one already kept for its problem (default true). */
  dropNearDuplicates?: boolean;
  /** Drop traces with a verifier flag whose step was never redone (default true). */
  requireUnflagged?: boolean;
}

export interface SelectionCounts {
  input: number;
  kept: number;
  incorrect: number;
  flagged: number;
  tooLong: number;
  nearDuplicate: number;
  overCap: number;
}

export interface Selection {
  kept: TraceRecord[];
  counts: SelectionCounts;
}

/**
 * Whether a trace still has a verifier flag no correction answered: a flagged step that no later assistant
 * turn redid (`Step <n>:` again). Old records are read through the flag contract (lib/traces/flags.ts).
 */
export function hasUnresolvedFlag(trace: TraceRecord): boolean {
  return unredoneFlags(trace).length > 0;
}

export function traceChars(trace: TraceRecord): number {
  return trace.messages.reduce((n, m) => n + m.content.length, 0);
}

/**
 * The traces worth training on. In order, a trace is dropped when it is incorrect, flagged (a flagged step never redone),
 * too long, a near-duplicate of a kept trace of the same problem, or over the per-problem cap. Traces are
 * considered per problem in (model, sampleIndex) order, so the result does not depend on input order.
 */
export function selectTraces(traces: readonly TraceRecord[], options: SelectOptions = {}): Selection {
  const cap = options.perProblemCap ?? 10;
  const dedupe = options.dropNearDuplicates ?? true;
  const requireUnflagged = options.requireUnflagged ?? true;
  const counts: SelectionCounts = { input: traces.length, kept: 0, incorrect: 0, flagged: 0, tooLong: 0, nearDuplicate: 0, overCap: 0 };

  const byProblem = new Map<string, TraceRecord[]>();
  for (const t of traces) {
    const list = byProblem.get(t.problemId) ?? [];
    list.push(t);
    byProblem.set(t.problemId, list);
  }
  const kept: TraceRecord[] = [];
  for (const problemId of [...byProblem.keys()].sort()) {
    const candidates = byProblem.get(problemId)!.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.sampleIndex - b.sampleIndex));
    const keptShingles: Set<string>[] = [];
    let n = 0;
    for (const t of candidates) {
      if (!t.grade.correct) {
        counts.incorrect++;
        continue;
      }
      if (requireUnflagged && hasUnresolvedFlag(t)) {
        counts.flagged++;
        continue;
      }
      if (options.maxChars !== undefined && traceChars(t) > options.maxChars) {
        counts.tooLong++;
        continue;
      }
      let sh: Set<string> | undefined;
      if (dedupe) {
        sh = shingles(normaliseText(finalAssistantTurns(t.messages).map((m) => m.content).join('\n')));
        if (keptShingles.some((k) => jaccard(k, sh!) >= NEAR_DUPLICATE_JACCARD)) {
          counts.nearDuplicate++;
          continue;
        }
      }
      if (n >= cap) {
        counts.overCap++;
        continue;
      }
      if (sh) keptShingles.push(sh);
      kept.push(t);
      n++;
    }
  }
  counts.kept = kept.length;
  return { kept, counts };
}
