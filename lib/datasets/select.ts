import { firstFailedChecker } from '../stepChecks/checkTrace';
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
  /** Correct traces with a step a step checker rejected (lib/stepChecks), and how many each checker dropped. */
  stepCheck: number;
  stepCheckBy: Record<string, number>;
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

/** Why a trace is not kept; the names of the drop counts in SelectionCounts. */
export type DropReason = 'incorrect' | 'flagged' | 'stepCheck' | 'tooLong' | 'nearDuplicate' | 'overCap';

/** SelectOptions with every default filled in. */
export interface SelectRules {
  perProblemCap: number;
  maxChars?: number;
  dropNearDuplicates: boolean;
  requireUnflagged: boolean;
}

export function selectRules(options: SelectOptions = {}): SelectRules {
  return {
    perProblemCap: options.perProblemCap ?? 10,
    ...(options.maxChars !== undefined ? { maxChars: options.maxChars } : {}),
    dropNearDuplicates: options.dropNearDuplicates ?? true,
    requireUnflagged: options.requireUnflagged ?? true,
  };
}

/** What one problem's selection has kept so far: the kept traces' shingles (when de-duplicating) and their count. */
export interface KeptSoFar {
  shingles: Set<string>[];
  count: number;
}

/** The shingles near-duplicates are judged by: those of the trace's final (uncorrected, non-NOT_YET) assistant text. */
export function traceShingles(trace: TraceRecord): Set<string> {
  return shingles(normaliseText(finalAssistantTurns(trace.messages).map((m) => m.content).join('\n')));
}

/** The decision on one trace: kept (with its shingles, to judge later traces of its problem by), or why not. */
export type TraceDecision = { keep: true; shingles?: Set<string> } | { keep: false; reason: DropReason; checker?: string };

/**
 * What counts as a kept trace, given what its problem has kept so far. The first reason that applies, in
 * order: `incorrect` (the grade says so), `flagged` (a verifier flag whose step was never redone, when
 * unflagged traces are required), `stepCheck` (a step checker rejected a standing step: the first such
 * checker is named; a rejected step that was redone counts by its redo), `tooLong` (more than `maxChars` characters in its messages),
 * `nearDuplicate` (its final text is a near-duplicate of a kept trace's, when de-duplicating), `overCap`
 * (the problem already kept `perProblemCap` traces). Pure: `kept` is read, never changed.
 */
export function traceDecision(trace: TraceRecord, kept: KeptSoFar, rules: SelectRules): TraceDecision {
  if (!trace.grade.correct) return { keep: false, reason: 'incorrect' };
  if (rules.requireUnflagged && hasUnresolvedFlag(trace)) return { keep: false, reason: 'flagged' };
  const checker = firstFailedChecker(trace.stepChecks);
  if (checker !== undefined) return { keep: false, reason: 'stepCheck', checker };
  if (rules.maxChars !== undefined && traceChars(trace) > rules.maxChars) return { keep: false, reason: 'tooLong' };
  let sh: Set<string> | undefined;
  if (rules.dropNearDuplicates) {
    sh = traceShingles(trace);
    if (kept.shingles.some((k) => jaccard(k, sh!) >= NEAR_DUPLICATE_JACCARD)) return { keep: false, reason: 'nearDuplicate' };
  }
  if (kept.count >= rules.perProblemCap) return { keep: false, reason: 'overCap' };
  return sh ? { keep: true, shingles: sh } : { keep: true };
}

/** The order traces of one problem are considered in: by model, then sample index. */
export function selectionOrder(a: TraceRecord, b: TraceRecord): number {
  return a.model < b.model ? -1 : a.model > b.model ? 1 : a.sampleIndex - b.sampleIndex;
}

/** One trace with the decision selection made on it. */
export interface JudgedTrace {
  trace: TraceRecord;
  decision: TraceDecision;
}

/**
 * Every trace with its decision: each judged by `traceDecision` against what its problem kept before it.
 * Traces are considered per problem (problems in id order) in `selectionOrder`, so the result does not
 * depend on input order. `selectTraces` is built on it, so a report that shows why a trace was dropped
 * (lib/report/traces.ts) agrees with the dataset the round wrote.
 */
export function judgeTraces(traces: readonly TraceRecord[], options: SelectOptions = {}): JudgedTrace[] {
  const rules = selectRules(options);
  const byProblem = new Map<string, TraceRecord[]>();
  for (const t of traces) {
    const list = byProblem.get(t.problemId) ?? [];
    list.push(t);
    byProblem.set(t.problemId, list);
  }
  const out: JudgedTrace[] = [];
  for (const problemId of [...byProblem.keys()].sort()) {
    const soFar: KeptSoFar = { shingles: [], count: 0 };
    for (const t of [...byProblem.get(problemId)!].sort(selectionOrder)) {
      const d = traceDecision(t, soFar, rules);
      if (d.keep) {
        if (d.shingles) soFar.shingles.push(d.shingles);
        soFar.count++;
      }
      out.push({ trace: t, decision: d });
    }
  }
  return out;
}

/** The traces worth training on (those `judgeTraces` keeps), and the drop counts by reason. */
export function selectTraces(traces: readonly TraceRecord[], options: SelectOptions = {}): Selection {
  const counts: SelectionCounts = { input: traces.length, kept: 0, incorrect: 0, flagged: 0, stepCheck: 0, stepCheckBy: {}, tooLong: 0, nearDuplicate: 0, overCap: 0 };
  const kept: TraceRecord[] = [];
  for (const { trace, decision: d } of judgeTraces(traces, options)) {
    if (d.keep) {
      kept.push(trace);
      continue;
    }
    counts[d.reason]++;
    if (d.checker !== undefined) counts.stepCheckBy[d.checker] = (counts.stepCheckBy[d.checker] ?? 0) + 1;
  }
  counts.kept = kept.length;
  return { kept, counts };
}

/** The drop counts as flat numbers for reports: `stepCheck:<checker>` per checker beside the totals. */
export function dropCounts(c: SelectionCounts): Record<string, number> {
  const { stepCheckBy, ...flat } = c;
  const out: Record<string, number> = { ...flat };
  for (const [name, n] of Object.entries(stepCheckBy)) out[`stepCheck:${name}`] = n;
  return out;
}
