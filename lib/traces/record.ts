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
 * A verifier's objection. `turn` is the index in `messages` of the assistant message it objects to.
 * A flag is resolved when that message is marked `corrected` (a critique made the model redo the step);
 * a trace is "unflagged" when every flag is resolved (lib/datasets/select.ts).
 */
export interface VerifierFlag {
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
  verifierFlags: VerifierFlag[];
  usage: { promptTokens: number; completionTokens: number };
  stopReason: 'final-answer' | 'max-turns' | 'length' | 'error';
  style: 'multi-turn' | 'cot';
  sampleIndex: number;
}
