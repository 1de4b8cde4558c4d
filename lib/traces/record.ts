import type { StepCheckResult } from '../stepChecks/types';

/**
 * One generated reasoning trace: what the trace generator writes and dataset building (lib/datasets) reads.
 * `corrected: true` marks an assistant turn that a later critique corrected (it is kept in the history but
 * never trained on).
 */
export interface TraceMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  corrected?: boolean;
}

export interface TraceGrade {
  correct: boolean;
  extracted?: string;
  reason: 'match' | 'mismatch' | 'no-answer' | 'unparseable';
  verifierVersion: string;
}

/**
 * A verifier's objection (the flag contract, shared by the trace generator, selection, the dataset writer
 * and the sample ledger; see lib/traces/flags.ts):
 * - `messageIndex`: the index in `messages` of the assistant turn that holds the flagged step (the first
 *   turn the critique made the model redo; it and every later turn up to the critique are `corrected`);
 * - `step`: the step number the critique asked to redo (`Redo step <step>`).
 * A flag is resolved when a later assistant turn starts with `Step <step>:` again (the step was redone);
 * a trace is kept only when every flag is resolved (lib/datasets/select.ts).
 *
 * Records written before this contract carry `turn` (the number of assistant replies when the flag was
 * raised) and the verifier's raw `step` instead; `verifierFlagsOf` re-derives the contract from them.
 */
export interface VerifierFlag {
  messageIndex: number;
  step: number;
  reason?: string;
}

/** A flag as records before the flag contract stored it. Read only through `verifierFlagsOf`. */
export interface LegacyVerifierFlag {
  turn: number;
  step?: number;
  reason?: string;
}

export interface TraceRecord {
  problemId: string;
  levelIndex: number;
  model: string;
  messages: TraceMessage[];
  finalAnswer?: string;
  grade: TraceGrade;
  turns: number;
  /** Old records may hold LegacyVerifierFlag entries: read them through `verifierFlagsOf`. */
  verifierFlags: VerifierFlag[];
  /** Verifier calls made while generating this trace (absent in records written before it was counted). */
  verifierCalls?: number;
  /** Verifier replies whose verdict could not be read (absent when none); see `traces.verifier.onUnparsed`. */
  verifierUnparsed?: number;
  /**
   * The step checkers' findings (lib/stepChecks), added when the round's traces are verified; a trace with a
   * failed step is not trained on. Absent when the trace's level declares no checker.
   */
  stepChecks?: StepCheckResult[];
  usage: { promptTokens: number; completionTokens: number };
  stopReason: 'final-answer' | 'max-turns' | 'length' | 'error';
  style: 'multi-turn' | 'cot';
  sampleIndex: number;
}
