import { lastBoxed } from '../curriculum/boxed';
import type { Problem } from '../curriculum/types';
import type { ChatProvider } from '../providers/chat/types';
import { dropUnansweredTurns, startRun, studentReply, type TraceRun } from './conversation';
import { acceptFinal, askForFinalAnswer, finalCheckDue, hasFinalAnswer } from './finalCheck';
import type { GradeFn } from './grade';
import { TraceOptionsSchema, type TraceOptionsInput } from './options';
import { continuePrompt, parseStep } from './prompts';
import type { TraceRecord } from './record';
import { verifierDue, verifyAndCritique } from './verifierCall';

export interface TraceDeps {
  /** Provider of the verifier model, when it is not the student's provider. */
  verifierProvider?: ChatProvider;
}

/**
 * One multi-turn reasoning trace (the proposal's steps 2-4): the student takes one small step per turn;
 * after every `finalCheckEvery` steps it is asked for the final answer, which it gives in \boxed{} only when
 * sure; after every `verifyEvery` steps an optional verifier checks the steps so far and a flagged error
 * comes back as a critique (the assistant turns from the flagged step on are marked `corrected`, and the flag
 * records that turn's message index and the step to redo). With the verifier on, a final answer is accepted
 * only once the verifier has seen every step before it: a trace shorter than `verifyEvery` steps (or with
 * steps since the last check) is checked at the end, and a flag there sends it back to redo the step. Ends on
 * a final answer, a truncated reply (`length`) or `maxTurns` replies.
 *
 * The pieces: the turn loop (`runTurns`, here), the verifier call (./verifierCall.ts) and the final-answer
 * check (./finalCheck.ts), over one run's state (./conversation.ts).
 */
export async function generateTrace(
  provider: ChatProvider,
  problem: Problem,
  input: TraceOptionsInput,
  grade: GradeFn,
  sampleIndex: number,
  deps: TraceDeps = {},
): Promise<TraceRecord> {
  const run = startRun(provider, problem, TraceOptionsSchema.parse(input), sampleIndex, deps.verifierProvider);
  await runTurns(run);
  dropUnansweredTurns(run.messages);
  return traceRecord(run, grade);
}

/** The turn loop: a step per turn, the verifier and the final check when due, until the trace ends. */
export async function runTurns(run: TraceRun): Promise<void> {
  const { opts } = run;
  while (run.turns < opts.maxTurns) {
    const step = await studentReply(run);
    if (!step) return;
    if (hasFinalAnswer(step.content)) {
      // The step itself reached the answer (e.g. "Step 5: Final answer … \boxed{12}").
      if (parseStep(step.content)) run.unchecked++;
      if (await acceptFinal(run, step.content)) return;
      continue;
    }
    run.steps++;
    run.unchecked++;

    if (verifierDue(run) && (await verifyAndCritique(run))) continue;

    if (finalCheckDue(run)) {
      const check = await askForFinalAnswer(run);
      if (!check) return;
      if (hasFinalAnswer(check.content)) {
        if (await acceptFinal(run, check.content)) return;
        continue;
      }
      // NOT_YET (or anything without a box): go on.
    }
    if (run.turns < opts.maxTurns) run.messages.push({ role: 'user', content: continuePrompt(run.turns, run.prompts.turnSchedule) });
  }
}

/** The record of a finished run: its conversation, the grade of the accepted final answer, counts and usage. */
export function traceRecord(run: TraceRun, grade: GradeFn): TraceRecord {
  const { finalReply, problem } = run;
  const g = grade(finalReply ?? '', problem.answer);
  const finalAnswer = finalReply !== undefined ? (g.extracted ?? lastBoxed(finalReply)) : undefined;
  return {
    problemId: problem.id,
    levelIndex: problem.levelIndex,
    model: run.opts.model,
    messages: run.messages,
    ...(finalAnswer !== undefined ? { finalAnswer } : {}),
    grade: g,
    turns: run.turns,
    verifierFlags: run.verifierFlags,
    ...(run.verify ? { verifierCalls: run.verifierCalls } : {}),
    ...(run.verifierUnparsed > 0 ? { verifierUnparsed: run.verifierUnparsed } : {}),
    usage: run.usage,
    stopReason: run.stopReason,
    style: 'multi-turn',
    sampleIndex: run.sampleIndex,
  };
}
