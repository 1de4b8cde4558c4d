import { lastBoxed } from '../curriculum/boxed';
import { studentReply, type TraceRun } from './conversation';
import { FINAL_CHECK_PROMPT } from './prompts';
import { verifyAndCritique } from './verifierCall';

/** Whether a reply gives a final answer: it holds a complete `\boxed{}` (anything else, NOT_YET included, goes on). */
export function hasFinalAnswer(content: string): boolean {
  return lastBoxed(content) !== undefined;
}

/** Whether the student is asked for the final answer now: after every `finalCheckEvery` steps, while turns remain. */
export function finalCheckDue(run: Pick<TraceRun, 'steps' | 'turns' | 'opts'>): boolean {
  return run.steps % run.opts.finalCheckEvery === 0 && run.turns < run.opts.maxTurns;
}

/**
 * Whether a final answer must wait for the verifier: with the verifier on, when steps came since its last
 * check, and at least once in every trace.
 */
export function verifierMustSeeFinal(run: Pick<TraceRun, 'verify' | 'unchecked' | 'verifierCalls'>): boolean {
  return run.verify && (run.unchecked > 0 || run.verifierCalls === 0);
}

/** Asks for the final answer (the final-check turn); the reply, or undefined when the conversation must end. */
export async function askForFinalAnswer(run: TraceRun): Promise<{ content: string; finishReason: string } | undefined> {
  run.messages.push({ role: 'user', content: FINAL_CHECK_PROMPT });
  return studentReply(run);
}

/**
 * A reply with a final answer: accepted (the trace ends on it), unless the verifier has not seen the steps
 * before it and flags one (the critique is then in the conversation and the trace goes on). True when accepted.
 */
export async function acceptFinal(run: TraceRun, content: string): Promise<boolean> {
  if (verifierMustSeeFinal(run) && (await verifyAndCritique(run))) return false;
  run.finalReply = content;
  run.stopReason = 'final-answer';
  return true;
}
