import { completedRounds, readCampaignConfig } from '../campaign/resume';
import type { ResolvedCampaignConfig } from '../config/load';
import { buildPairs } from '../datasets/pairs';
import { judgeTraces, traceChars, type DropReason, type TraceDecision } from '../datasets/select';
import { UserError } from '../errors';
import { FINAL_CHECK_PROMPT } from '../traces/prompts';
import { unredoneFlags, verifierFlagsOf } from '../traces/flags';
import type { TraceRecord, VerifierFlag } from '../traces/record';
import { roundDir, type RunStore } from '../store';

/**
 * The traces of a round with the dataset's decision on each, for `strawberry traces` and the HTML report's
 * trace browser. The run store keeps every graded trace of a round (`round-<n>/verified.jsonl`) but only the
 * counts of what the dataset dropped; the per-trace decision is recomputed here with the same function the
 * dataset builder used (lib/datasets/select.ts `judgeTraces`) and the dataset options of the config the round
 * ran with, so what this shows agrees with the dataset that was written.
 */

/** Why a trace is or is not in the round's training data, as a code (for filters and JSON) and in words. */
export interface TraceVerdict {
  kept: boolean;
  /** A selection drop reason, `notPaired` (method dpo: the trace is in no preference pair), or absent when kept. */
  code?: DropReason | 'notPaired';
  /** Why, in words, without the kept/dropped word ("incorrect: no final answer"). */
  why: string;
}

/** "kept: …" or "dropped: …". */
export function verdictText(v: TraceVerdict): string {
  return `${v.kept ? 'kept' : 'dropped'}: ${v.why}`;
}

/** The final-answer checks of a trace: how often it was asked, what it answered, how it stopped. */
export interface FinalCheck {
  asked: number;
  answer?: string;
  stopReason: TraceRecord['stopReason'];
}

export interface TraceRow {
  round: number;
  problemId: string;
  levelIndex: number;
  sampleIndex: number;
  model: string;
  verdict: TraceVerdict;
  flags: (VerifierFlag & { redone: boolean })[];
  finalCheck: FinalCheck;
  trace: TraceRecord;
}

export interface RoundTraces {
  round: number;
  /** The fine-tune method the decision is for (`dpo`: kept = in a preference pair). */
  method: ResolvedCampaignConfig['fineTune']['method'];
  rows: TraceRow[];
}

/** `<campaign>/round-<n>/verified.jsonl`: every graded trace of a round (activities/traces.ts writes it). */
export function verifiedTracesPath(campaign: string, round: number): string {
  return `${roundDir(campaign, round)}/verified.jsonl`;
}

/** The rounds of a campaign that have graded traces, oldest first. */
export async function roundsWithTraces(store: RunStore, campaign: string): Promise<number[]> {
  const rounds = new Set<number>();
  for (const rel of await store.list(`${campaign}/`)) {
    const m = /^[^/]+\/round-(\d+)\/verified\.jsonl$/.exec(rel);
    if (m) rounds.add(Number(m[1]));
  }
  return [...rounds].sort((a, b) => a - b);
}

/** The config a round ran with: its summary's (later `configure` changes included), else the campaign's start config. */
async function roundConfig(store: RunStore, campaign: string, round: number): Promise<ResolvedCampaignConfig | undefined> {
  const done = (await completedRounds(store, campaign)).find((r) => r.summary.round === round);
  return done?.config ?? (await readCampaignConfig(store, campaign));
}

/** The traces of `round` with their decisions, in the order the dataset considered them (problem id, model, sample). */
export async function roundTraces(store: RunStore, campaign: string, round: number): Promise<RoundTraces> {
  const rel = verifiedTracesPath(campaign, round);
  if (!(await store.exists(rel))) throw new UserError(`campaign "${campaign}" has no graded traces for round ${round} (no ${rel})`);
  // Read by path, not by the manifest's reference: a report reads what is there (no digest to check against).
  const traces = await store.readJsonl<TraceRecord>({ uri: store.uriFor(rel) });
  const config = await roundConfig(store, campaign, round);
  const method = config?.fineTune.method ?? 'sft';
  const d = config?.dataset;
  const judged = judgeTraces(traces, d ? { perProblemCap: d.perProblemCap, maxChars: d.maxChars, dropNearDuplicates: d.dropNearDuplicates } : {});
  const paired = method === 'dpo' && config ? pairedSamples(traces, config) : undefined;
  const rows = judged.map(({ trace, decision }): TraceRow => ({
    round,
    problemId: trace.problemId,
    levelIndex: trace.levelIndex,
    sampleIndex: trace.sampleIndex,
    model: trace.model,
    verdict: paired ? pairVerdict(trace, paired) : selectionVerdict(trace, decision, { perProblemCap: d?.perProblemCap ?? 10, maxChars: d?.maxChars }),
    flags: verifierFlagsOf(trace).map((f) => ({ ...f, redone: !unredoneFlags({ messages: trace.messages, verifierFlags: [f] }).length })),
    finalCheck: finalCheckOf(trace),
    trace,
  }));
  return { round, method, rows };
}

/** The SFT selection's decision in words (the rules of `traceDecision`, with the numbers that applied). */
export function selectionVerdict(trace: TraceRecord, decision: TraceDecision, rules: { perProblemCap: number; maxChars?: number }): TraceVerdict {
  if (decision.keep) return { kept: true, why: 'correct, every verifier flag resolved' };
  const code = decision.reason;
  const g = trace.grade;
  const words: Record<DropReason, () => string> = {
    incorrect: () =>
      g.reason === 'no-answer' ? 'incorrect: no final answer' : g.reason === 'unparseable' ? `incorrect: answer ${quote(g.extracted)} could not be read` : `incorrect: answered ${quote(g.extracted)}, which does not match`,
    flagged: () => `verifier flagged step ${unredoneFlags(trace).map((f) => f.step).join(', ')} and it was never redone`,
    stepCheck: () => {
      const r = trace.stepChecks?.find((c) => c.failed.length > 0);
      const f = r?.failed[0];
      return f ? `step checker ${r!.checker} rejected step ${f.step}: ${f.reason}` : 'a step checker rejected a step';
    },
    tooLong: () => `too long: ${traceChars(trace)} characters, more than dataset.maxChars ${rules.maxChars}`,
    nearDuplicate: () => 'near-duplicate of a trace already kept for this problem',
    overCap: () => `over the cap: this problem already kept dataset.perProblemCap (${rules.perProblemCap}) traces`,
  };
  return { kept: false, code, why: words[code]() };
}

function quote(s: string | undefined): string {
  return s === undefined ? '(none)' : `"${s}"`;
}

/** Method dpo trains on preference pairs only: which (problem, model, sample) the round's pairing used, on which side. */
function pairedSamples(traces: readonly TraceRecord[], config: ResolvedCampaignConfig): Map<string, 'preferred' | 'non-preferred'> {
  const p = config.dataset.pairs;
  const { pairs } = buildPairs(traces, {
    pairsPerProblem: p.pairsPerProblem,
    distinctAnswers: p.distinctAnswers,
    maxLengthRatio: p.maxLengthRatio,
    dropNearDuplicates: p.dropNearDuplicates,
    ...(config.dataset.maxChars !== undefined ? { maxChars: config.dataset.maxChars } : {}),
  });
  const used = new Map<string, 'preferred' | 'non-preferred'>();
  for (const pair of pairs) {
    used.set(sampleKey(pair.problemId, pair.model, pair.preferredSample), 'preferred');
    used.set(sampleKey(pair.problemId, pair.model, pair.nonPreferredSample), 'non-preferred');
  }
  return used;
}

function sampleKey(problemId: string, model: string, sample: number): string {
  return `${problemId}\u0000${model}\u0000${sample}`;
}

function pairVerdict(trace: TraceRecord, paired: Map<string, 'preferred' | 'non-preferred'>): TraceVerdict {
  const side = paired.get(sampleKey(trace.problemId, trace.model, trace.sampleIndex));
  return side ? { kept: true, why: `the ${side} side of a preference pair` } : { kept: false, code: 'notPaired', why: 'in no preference pair' };
}

/** How often the trace was asked for its final answer, and what ended it. */
export function finalCheckOf(trace: TraceRecord): FinalCheck {
  const asked = trace.messages.filter((m) => m.role === 'user' && m.content === FINAL_CHECK_PROMPT).length;
  return { asked, ...(trace.finalAnswer !== undefined ? { answer: trace.finalAnswer } : {}), stopReason: trace.stopReason };
}

/** The final check in words: "asked 3 times; answered 42; stopped: final-answer". */
export function finalCheckText(f: FinalCheck): string {
  return `asked ${f.asked} time${f.asked === 1 ? '' : 's'}; ${f.answer !== undefined ? `answered ${f.answer}` : 'no final answer'}; stopped: ${f.stopReason}`;
}

/** The grade in words: "correct (match, extracted 42, verifier v3)". */
export function gradeText(t: TraceRecord): string {
  const g = t.grade;
  return `${g.correct ? 'correct' : 'incorrect'} (${g.reason}${g.extracted !== undefined ? `, extracted ${g.extracted}` : ''}, grader ${g.verifierVersion})`;
}

/** A verifier flag in words: "step 2 at message 5 (redone): <reason>". */
export function flagText(f: TraceRow['flags'][number]): string {
  return `step ${f.step} at message ${f.messageIndex} (${f.redone ? 'redone' : 'never redone'})${f.reason ? `: ${f.reason}` : ''}`;
}
