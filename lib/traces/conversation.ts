import type { Problem } from '../curriculum/types';
import type { ChatProvider, ChatResponse } from '../providers/chat/types';
import { ProviderRequestError } from '../providers/errors';
import type { TraceOptions } from './options';
import { resolvePrompts, type TracePrompts } from './promptSet';
import { problemPrompt, STEP_SYSTEM_PROMPT } from './prompts';
import { temperatureAt } from './schedules';
import type { TraceMessage, TraceRecord, VerifierFlag } from './record';
import { samplingSeed } from './seed';

/**
 * One multi-turn trace in progress: what it talks to, the conversation so far and its counters. The turn
 * loop (generateTrace.ts), the verifier call (verifierCall.ts) and the final-answer check (finalCheck.ts)
 * read and advance it.
 */
export interface TraceRun {
  readonly provider: ChatProvider;
  /** Provider of the verifier model (the student's provider unless the caller gave another). */
  readonly verifierProvider: ChatProvider;
  readonly problem: Problem;
  readonly opts: TraceOptions;
  /** The prompt set with defaults filled in (system prompts, turn and temperature schedules). */
  readonly prompts: TracePrompts;
  readonly sampleIndex: number;
  /** Whether the verifier is on (a verifier is configured and `verifyEvery` > 0). */
  readonly verify: boolean;
  readonly messages: TraceMessage[];
  readonly usage: { promptTokens: number; completionTokens: number };
  readonly verifierFlags: VerifierFlag[];
  /** Assistant replies so far. */
  turns: number;
  /** Step replies so far (replies without a final answer). */
  steps: number;
  verifierCalls: number;
  /** Verifier replies whose verdict could not be read (each retried once; see verifyAndCritique). */
  verifierUnparsed: number;
  /** Steps written since the verifier last looked (a final answer waits for a check while this is > 0). */
  unchecked: number;
  /** The reply whose final answer was accepted. */
  finalReply?: string;
  stopReason: TraceRecord['stopReason'];
}

/** The opening of every multi-turn conversation: the step system prompt and the problem. */
export function openingMessages(question: string, system: string = STEP_SYSTEM_PROMPT): TraceMessage[] {
  return [
    { role: 'system', content: system },
    { role: 'user', content: problemPrompt(question) },
  ];
}

export function startRun(
  provider: ChatProvider,
  problem: Problem,
  opts: TraceOptions,
  sampleIndex: number,
  verifierProvider: ChatProvider = provider,
): TraceRun {
  const prompts = resolvePrompts(opts.prompts);
  return {
    provider,
    verifierProvider,
    problem,
    opts,
    prompts,
    sampleIndex,
    verify: Boolean(opts.verifier && opts.verifyEvery > 0),
    messages: openingMessages(problem.question, prompts.system),
    usage: { promptTokens: 0, completionTokens: 0 },
    verifierFlags: [],
    turns: 0,
    steps: 0,
    verifierCalls: 0,
    verifierUnparsed: 0,
    unchecked: 0,
    stopReason: 'max-turns',
  };
}

export function addUsage(run: TraceRun, res: ChatResponse): void {
  run.usage.promptTokens += res.usage.promptTokens;
  run.usage.completionTokens += res.usage.completionTokens;
}

/**
 * One student reply to the conversation so far, appended to it; undefined when the conversation must end
 * (a truncated reply, or the conversation outgrew the model's context), with the stop reason set.
 */
export async function studentReply(run: TraceRun): Promise<{ content: string; finishReason: string } | undefined> {
  const { opts } = run;
  const seed = samplingSeed(opts.seed, run.sampleIndex, opts.seedMode === 'per-turn' ? run.turns : undefined);
  let res: ChatResponse;
  try {
    res = await run.provider.complete({
      model: opts.model,
      messages: run.messages.map(({ role, content }) => ({ role, content })),
      temperature: temperatureAt(run.prompts.temperatureSchedule, opts.temperature, run.turns),
      maxTokens: opts.maxTokens,
      seed,
    });
  } catch (err) {
    // A 400 after the first turn is the conversation outgrowing the model's context: end this trace.
    // Anything else (bad key, unknown model, provider down) is for the caller.
    if (err instanceof ProviderRequestError && err.status === 400 && run.turns > 0) {
      run.stopReason = 'error';
      return undefined;
    }
    throw err;
  }
  addUsage(run, res);
  run.turns++;
  const choice = res.choices[0]!;
  run.messages.push({ role: 'assistant', content: choice.content });
  if (choice.finishReason === 'length') {
    run.stopReason = 'length';
    return undefined;
  }
  return choice;
}

/** A conversation ends on an assistant reply, never on a question nobody answered: drops trailing user turns. */
export function dropUnansweredTurns(messages: TraceMessage[]): void {
  while (messages.length > 2 && messages[messages.length - 1]!.role === 'user') messages.pop();
}
