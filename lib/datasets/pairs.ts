import { COT_SYSTEM_PROMPT } from '../traces/prompts';
import type { TraceRecord } from '../traces/record';
import { finalAssistantTurns } from './examples';
import { jaccard, NEAR_DUPLICATE_JACCARD, normaliseText, shingles } from './nearDuplicates';
import { selectionOrder, selectRules, traceDecision, type KeptSoFar, type SelectOptions } from './select';

/**
 * Preference pairs from the band: for each problem, a correct trace (preferred) against an incorrect one
 * (non-preferred) of the same prompt by the same model in the same round (hence the same temperature). The
 * band is where a model produces both, which is what makes the contrast informative (DPO, Rafailov et al.
 * 2023; iterative reasoning preference optimisation, Pang et al. 2024).
 */
export interface PairOptions {
  /** At most this many pairs per problem (default 4). */
  pairsPerProblem?: number;
  /** Each non-preferred trace of a problem has a final answer no other pair of the problem uses (default true). */
  distinctAnswers?: boolean;
  /**
   * Length matching: the longer text of a pair is at most this many times the shorter (default 1.5), and each
   * preferred trace takes the unused non-preferred one closest in length, so a pair does not teach "be shorter".
   */
  maxLengthRatio?: number;
  /** Drop a trace whose text is a near-duplicate of one already used on its side for its problem (default true). */
  dropNearDuplicates?: boolean;
  /** Preferred traces are those selection keeps (correct, every verifier flag resolved, `maxChars`). */
  maxChars?: number;
}

export interface PairRules {
  pairsPerProblem: number;
  distinctAnswers: boolean;
  maxLengthRatio: number;
  dropNearDuplicates: boolean;
  maxChars?: number;
}

export function pairRules(options: PairOptions = {}): PairRules {
  return {
    pairsPerProblem: options.pairsPerProblem ?? 4,
    distinctAnswers: options.distinctAnswers ?? true,
    maxLengthRatio: options.maxLengthRatio ?? 1.5,
    dropNearDuplicates: options.dropNearDuplicates ?? true,
    ...(options.maxChars !== undefined ? { maxChars: options.maxChars } : {}),
  };
}

/** One preference pair in the project's own form (lib/datasets/preferenceFormat.ts writes it per provider). */
export interface PreferencePair {
  problemId: string;
  levelIndex: number;
  model: string;
  /** The prompt both outputs answer: the chain-of-thought system prompt and the problem. */
  prompt: { role: 'system' | 'user'; content: string }[];
  preferred: string;
  nonPreferred: string;
  preferredSample: number;
  nonPreferredSample: number;
}

/** Why a candidate trace made no pair; the names of the counts in PairCounts. */
export type PairDropReason = 'notPreferable' | 'noAnswer' | 'sameAnswer' | 'nearDuplicate' | 'lengthMismatch' | 'overCap' | 'unmatched';

export interface PairCounts {
  /** Problems (per model) seen, and those that gave at least one pair. */
  problems: number;
  problemsWithPairs: number;
  pairs: number;
  /** Problems with no preferable trace, or no incorrect one: nothing to contrast. */
  noPreferred: number;
  noNonPreferred: number;
  dropped: Record<PairDropReason, number>;
  /** Mean of (preferred chars - non-preferred chars) over pairs, and of its absolute value. */
  meanLengthDiff: number;
  meanAbsLengthDiff: number;
}

export interface Pairing {
  pairs: PreferencePair[];
  counts: PairCounts;
}

/** The text a pair trains on for a trace: its standing steps, joined (as a flattened SFT example has them). */
export function pairText(trace: TraceRecord): string {
  return finalAssistantTurns(trace.messages)
    .map((m) => m.content.trim())
    .join('\n\n');
}

interface Candidate {
  trace: TraceRecord;
  text: string;
  shingles: Set<string>;
}

/**
 * Pairs for every problem in `traces` (all graded traces of a round: the ledger keeps them, so pairing needs no
 * resampling). Per problem and model, in `selectionOrder`: the preferred side is what `traceDecision` keeps
 * (so a trace with an unresolved verifier flag is never preferred); the non-preferred side is every incorrect
 * trace with a wrong final answer (one that gave no answer teaches only "answer", so it is left out), at most
 * one per distinct answer. Each preferred trace, in order, takes the unused non-preferred trace closest in
 * length within `maxLengthRatio`. Deterministic: the result does not depend on input order.
 */
export function buildPairs(traces: readonly TraceRecord[], options: PairOptions = {}): Pairing {
  const rules = pairRules(options);
  const selectOptions: SelectOptions = { perProblemCap: rules.pairsPerProblem, dropNearDuplicates: rules.dropNearDuplicates, requireUnflagged: true };
  if (rules.maxChars !== undefined) selectOptions.maxChars = rules.maxChars;
  const select = selectRules(selectOptions);
  const dropped: Record<PairDropReason, number> = { notPreferable: 0, noAnswer: 0, sameAnswer: 0, nearDuplicate: 0, lengthMismatch: 0, overCap: 0, unmatched: 0 };
  const counts: PairCounts = { problems: 0, problemsWithPairs: 0, pairs: 0, noPreferred: 0, noNonPreferred: 0, dropped, meanLengthDiff: 0, meanAbsLengthDiff: 0 };
  const pairs: PreferencePair[] = [];

  const groups = new Map<string, TraceRecord[]>();
  for (const t of traces) {
    const key = `${t.problemId}\u0000${t.model}`;
    const list = groups.get(key) ?? [];
    list.push(t);
    groups.set(key, list);
  }
  for (const key of [...groups.keys()].sort()) {
    counts.problems++;
    const group = groups.get(key)!.sort(selectionOrder);
    const preferred = preferredCandidates(group, select, dropped);
    const nonPreferred = nonPreferredCandidates(group, rules, dropped);
    if (preferred.length === 0) counts.noPreferred++;
    if (nonPreferred.length === 0) counts.noNonPreferred++;
    const made = matchByLength(preferred, nonPreferred, rules, dropped);
    if (made.length > 0) counts.problemsWithPairs++;
    pairs.push(...made);
  }
  counts.pairs = pairs.length;
  if (pairs.length > 0) {
    const diffs = pairs.map((p) => p.preferred.length - p.nonPreferred.length);
    counts.meanLengthDiff = diffs.reduce((s, d) => s + d, 0) / diffs.length;
    counts.meanAbsLengthDiff = diffs.reduce((s, d) => s + Math.abs(d), 0) / diffs.length;
  }
  return { pairs, counts };
}

function preferredCandidates(group: readonly TraceRecord[], select: ReturnType<typeof selectRules>, dropped: PairCounts['dropped']): Candidate[] {
  const soFar: KeptSoFar = { shingles: [], count: 0 };
  const out: Candidate[] = [];
  for (const trace of group) {
    if (!trace.grade.correct) continue;
    const d = traceDecision(trace, soFar, select);
    if (!d.keep) {
      dropped[d.reason === 'nearDuplicate' ? 'nearDuplicate' : d.reason === 'overCap' ? 'overCap' : 'notPreferable']++;
      continue;
    }
    const text = pairText(trace);
    const sh = d.shingles ?? shingles(normaliseText(text));
    soFar.shingles.push(sh);
    soFar.count++;
    out.push({ trace, text, shingles: sh });
  }
  return out;
}

function nonPreferredCandidates(group: readonly TraceRecord[], rules: PairRules, dropped: PairCounts['dropped']): Candidate[] {
  const answers = new Set<string>();
  const out: Candidate[] = [];
  for (const trace of group) {
    if (trace.grade.correct) continue;
    const answer = trace.grade.reason === 'mismatch' ? (trace.grade.extracted ?? trace.finalAnswer) : undefined;
    if (answer === undefined || trace.stopReason === 'error') {
      dropped.noAnswer++;
      continue;
    }
    const normalised = normaliseText(answer);
    if (rules.distinctAnswers && answers.has(normalised)) {
      dropped.sameAnswer++;
      continue;
    }
    const text = pairText(trace);
    const sh = shingles(normaliseText(text));
    if (rules.dropNearDuplicates && out.some((c) => jaccard(c.shingles, sh) >= NEAR_DUPLICATE_JACCARD)) {
      dropped.nearDuplicate++;
      continue;
    }
    answers.add(normalised);
    out.push({ trace, text, shingles: sh });
  }
  return out;
}

/** Each preferred candidate, in order, takes the closest-length unused non-preferred one within the ratio. */
function matchByLength(preferred: readonly Candidate[], nonPreferred: readonly Candidate[], rules: PairRules, dropped: PairCounts['dropped']): PreferencePair[] {
  const unused = [...nonPreferred];
  const out: PreferencePair[] = [];
  for (const p of preferred) {
    if (unused.length === 0) {
      dropped.unmatched++;
      continue;
    }
    let best = -1;
    let bestRatio = Infinity;
    unused.forEach((n, i) => {
      const ratio = lengthRatio(p.text, n.text);
      if (ratio < bestRatio) [best, bestRatio] = [i, ratio];
    });
    if (bestRatio > rules.maxLengthRatio) {
      dropped.lengthMismatch++;
      continue;
    }
    const [n] = unused.splice(best, 1);
    out.push(toPair(p.trace, n!.trace, p.text, n!.text));
  }
  dropped.unmatched += unused.length;
  return out;
}

/** max/min of the two lengths (1 = equal); an empty text never matches. */
export function lengthRatio(a: string, b: string): number {
  const [lo, hi] = a.length <= b.length ? [a.length, b.length] : [b.length, a.length];
  return lo === 0 ? Infinity : hi / lo;
}

function toPair(preferred: TraceRecord, nonPreferred: TraceRecord, preferredText: string, nonPreferredText: string): PreferencePair {
  const user = preferred.messages.find((m) => m.role === 'user')?.content ?? '';
  return {
    problemId: preferred.problemId,
    levelIndex: preferred.levelIndex,
    model: preferred.model,
    prompt: [
      { role: 'system', content: COT_SYSTEM_PROMPT },
      { role: 'user', content: user },
    ],
    preferred: preferredText,
    nonPreferred: nonPreferredText,
    preferredSample: preferred.sampleIndex,
    nonPreferredSample: nonPreferred.sampleIndex,
  };
}
