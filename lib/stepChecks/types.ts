import type { TraceStep } from './steps';

/** What a checker is given: the problem, the standing steps of one trace and its final answer. */
export interface StepCheckInput {
  problem: { id: string; question: string; answer: string };
  steps: readonly TraceStep[];
  finalAnswer?: string;
}

/** A step a checker rejects, and why. */
export interface StepFailure {
  step: number;
  messageIndex: number;
  reason: string;
}

/** One checker's finding on one trace (stored on the verified trace record; selection reads it). */
export interface StepCheckResult {
  checker: string;
  /** Steps it judged. */
  checked: number;
  failed: StepFailure[];
}

export interface StepChecker {
  readonly name: string;
  check(input: StepCheckInput): Promise<StepFailure[]> | StepFailure[];
}

/** A failure at a step of the input. */
export function failAt(step: TraceStep, reason: string): StepFailure {
  return { step: step.n, messageIndex: step.messageIndex, reason };
}
