import { lastBoxed } from '../curriculum/boxed';
import type { Problem } from '../curriculum/types';
import type { ChatProvider, ChatResponse } from '../providers/chat/types';
import { ProviderRequestError } from '../providers/chat/errors';
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
 * comes back as a critique (the assistant turns from the flagged step on are marked `corrected`). Ends on a
 * final answer, a truncated reply (`length`) or `maxTurns` replies.
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
    return parseVerdict(res.choices[0]?.content ?? '');
  }

  /** Marks the assistant turns from the flagged step on as corrected; returns the step to redo. */
  function markCorrected(flagged: number | undefined): number {
    const live = messages.map((m, i) => ({ m, i, step: parseStep(m.content) })).filter((x) => x.m.role === 'assistant' && !x.m.corrected && x.step);
    const from = live.find((x) => flagged !== undefined && x.step!.n >= flagged) ?? live[live.length - 1];
    if (!from) return flagged ?? 1;
    for (let i = from.i; i < messages.length; i++) if (messages[i]!.role === 'assistant') messages[i]!.corrected = true;
    return flagged !== undefined && flagged <= from.step!.n ? flagged : from.step!.n;
  }

  loop: while (turns < opts.maxTurns) {
    const step = await reply();
    if (!step) break;
    if (lastBoxed(step.content) !== undefined) {
      // The step itself reached the answer (e.g. "Step 5: Final answer … \boxed{12}").
      finalReply = step.content;
      stopReason = 'final-answer';
      break;
    }
    steps++;

    if (verify && steps % opts.verifyEvery === 0) {
      const v = await verdict();
      if (v && !v.ok) {
        const redo = markCorrected(v.firstWrongStep);
        verifierFlags.push({ turn: turns, step: v.firstWrongStep, reason: v.reason });
        messages.push({ role: 'user', content: critiquePrompt(redo, v.reason ?? 'this step does not follow from the previous ones') });
        continue;
      }
    }

    if (steps % opts.finalCheckEvery === 0 && turns < opts.maxTurns) {
      messages.push({ role: 'user', content: FINAL_CHECK_PROMPT });
      const check = await reply();
      if (!check) break loop;
      if (lastBoxed(check.content) !== undefined) {
        finalReply = check.content;
        stopReason = 'final-answer';
        break;
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
    usage,
    stopReason,
    style: 'multi-turn',
    sampleIndex,
  };
}
