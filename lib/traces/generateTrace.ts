import { lastBoxed } from '../curriculum/boxed';
import type { Problem } from '../curriculum/types';
import type { ChatProvider, ChatResponse } from '../providers/chat/types';
import { ProviderRequestError } from '../providers/errors';
import type { GradeFn } from './grade';
import { TraceOptionsSchema, type TraceOptions, type TraceOptionsInput } from './options';
import {
  continuePrompt,
  critiquePrompt,
  FINAL_CHECK_PROMPT,
  parseStep,
  parseVerdict,
  problemPrompt,
  STEP_SYSTEM_PROMPT,
  VERIFIER_SYSTEM_PROMPT,
  verifierPrompt,
} from './prompts';
import type { TraceMessage, TraceRecord, VerifierFlag } from './record';
import { samplingSeed } from './seed';

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
 */
export async function generateTrace(
  provider: ChatProvider,
  problem: Problem,
  input: TraceOptionsInput,
  grade: GradeFn,
  sampleIndex: number,
  deps: TraceDeps = {},
): Promise<TraceRecord> {
  const opts: TraceOptions = TraceOptionsSchema.parse(input);
  const messages: TraceMessage[] = [
    { role: 'system', content: STEP_SYSTEM_PROMPT },
    { role: 'user', content: problemPrompt(problem.question) },
  ];
  const usage = { promptTokens: 0, completionTokens: 0 };
  const verifierFlags: VerifierFlag[] = [];
  const verify = opts.verifier && opts.verifyEvery > 0;
  let turns = 0;
  let steps = 0;
  let verifierCalls = 0;
  /** Steps written since the verifier last looked (a final answer waits for a check while this is > 0). */
  let unchecked = 0;
  let finalReply: string | undefined;
  let stopReason: TraceRecord['stopReason'] = 'max-turns';

  const addUsage = (r: ChatResponse) => {
    usage.promptTokens += r.usage.promptTokens;
    usage.completionTokens += r.usage.completionTokens;
  };

  /** One assistant reply to the conversation so far; undefined when the conversation must end. */
  async function reply(): Promise<{ content: string; finishReason: string } | undefined> {
    const seed = samplingSeed(opts.seed, sampleIndex, opts.seedMode === 'per-turn' ? turns : undefined);
    let res: ChatResponse;
    try {
      res = await provider.complete({
        model: opts.model,
        messages: messages.map(({ role, content }) => ({ role, content })),
        temperature: opts.temperature,
        maxTokens: opts.maxTokens,
        seed,
      });
    } catch (err) {
      // A 400 after the first turn is the conversation outgrowing the model's context: end this trace.
      // Anything else (bad key, unknown model, provider down) is for the caller.
      if (err instanceof ProviderRequestError && err.status === 400 && turns > 0) {
        stopReason = 'error';
        return undefined;
      }
      throw err;
    }
    addUsage(res);
    turns++;
    const choice = res.choices[0]!;
    messages.push({ role: 'assistant', content: choice.content });
    if (choice.finishReason === 'length') {
      stopReason = 'length';
      return undefined;
    }
    return choice;
  }

  /** The verifier's verdict on the uncorrected steps so far, or undefined when it says nothing readable. */
  async function verdict() {
    const v = opts.verifier!;
    const stepTexts = messages.filter((m) => m.role === 'assistant' && !m.corrected && parseStep(m.content)).map((m) => m.content);
    const res = await (deps.verifierProvider ?? provider).complete({
      model: v.model,
      messages: [
        { role: 'system', content: VERIFIER_SYSTEM_PROMPT },
        { role: 'user', content: verifierPrompt(problem.question, stepTexts) },
      ],
      temperature: v.temperature,
      maxTokens: v.maxTokens,
      seed: samplingSeed(opts.seed, sampleIndex, turns),
    });
    addUsage(res);
    verifierCalls++;
    unchecked = 0;
    return parseVerdict(res.choices[0]?.content ?? '');
  }

  /**
   * Marks the assistant turns from the flagged step on as corrected; returns the flag: the message index of
   * the flagged step's turn and the step to redo (the verifier's step, or the last step shown when it named
   * none or one beyond it).
   */
  function markCorrected(flagged: number | undefined): { messageIndex: number; step: number } {
    const live = messages.map((m, i) => ({ m, i, step: parseStep(m.content) })).filter((x) => x.m.role === 'assistant' && !x.m.corrected && x.step);
    const from = live.find((x) => flagged !== undefined && x.step!.n >= flagged) ?? live[live.length - 1];
    if (!from) {
      // No step to point at (the verifier objected to a bare answer): the last reply is the flagged turn.
      const last = messages.map((m) => m.role).lastIndexOf('assistant');
      if (last >= 0) messages[last]!.corrected = true;
      return { messageIndex: last, step: flagged ?? 1 };
    }
    for (let i = from.i; i < messages.length; i++) if (messages[i]!.role === 'assistant') messages[i]!.corrected = true;
    return { messageIndex: from.i, step: flagged !== undefined && flagged <= from.step!.n ? flagged : from.step!.n };
  }

  /** Asks the verifier; on a flag, records it and puts the critique in the conversation. True when flagged. */
  async function checkAndCritique(): Promise<boolean> {
    const v = await verdict();
    if (!v || v.ok) return false;
    const flag = markCorrected(v.firstWrongStep);
    verifierFlags.push({ ...flag, ...(v.reason !== undefined ? { reason: v.reason } : {}) });
    messages.push({ role: 'user', content: critiquePrompt(flag.step, v.reason ?? 'this step does not follow from the previous ones') });
    return true;
  }

  /** A reply with a final answer: accepted, unless the verifier has not seen the steps before it and flags one. */
  async function acceptFinal(content: string): Promise<boolean> {
    // Checked when steps came since the last check, and at least once in every trace.
    if (verify && (unchecked > 0 || verifierCalls === 0) && (await checkAndCritique())) return false;
    finalReply = content;
    stopReason = 'final-answer';
    return true;
  }

  loop: while (turns < opts.maxTurns) {
    const step = await reply();
    if (!step) break;
    if (lastBoxed(step.content) !== undefined) {
      // The step itself reached the answer (e.g. "Step 5: Final answer … \boxed{12}").
      if (parseStep(step.content)) unchecked++;
      if (await acceptFinal(step.content)) break;
      continue;
    }
    steps++;
    unchecked++;

    if (verify && steps % opts.verifyEvery === 0 && (await checkAndCritique())) continue;

    if (steps % opts.finalCheckEvery === 0 && turns < opts.maxTurns) {
      messages.push({ role: 'user', content: FINAL_CHECK_PROMPT });
      const check = await reply();
      if (!check) break loop;
      if (lastBoxed(check.content) !== undefined) {
        if (await acceptFinal(check.content)) break;
        continue;
      }
      // NOT_YET (or anything without a box): go on.
    }
    if (turns < opts.maxTurns) messages.push({ role: 'user', content: continuePrompt(turns) });
  }

  // A conversation ends on an assistant reply, never on a question nobody answered.
  while (messages.length > 2 && messages[messages.length - 1]!.role === 'user') messages.pop();
  const g = grade(finalReply ?? '', problem.answer);
  const finalAnswer = finalReply !== undefined ? (g.extracted ?? lastBoxed(finalReply)) : undefined;
  return {
    problemId: problem.id,
    levelIndex: problem.levelIndex,
    model: opts.model,
    messages,
    ...(finalAnswer !== undefined ? { finalAnswer } : {}),
    grade: g,
    turns,
    verifierFlags,
    ...(verify ? { verifierCalls } : {}),
    usage,
    stopReason,
    style: 'multi-turn',
    sampleIndex,
  };
}
