import type { ChatRequest } from '../providers/chat/types';
import { addUsage, type TraceRun } from './conversation';
import type { VerifierOptions } from './options';
import { critiquePrompt, DEFAULT_CRITIQUE_REASON, parseStep, parseVerdict, VERIFIER_SYSTEM_PROMPT, verifierPrompt, type Verdict } from './prompts';
import type { TraceMessage, VerifierFlag } from './record';
import { samplingSeed } from './seed';

/** Whether the verifier looks after this step: it is on and `steps` is a multiple of `verifyEvery`. */
export function verifierDue(run: Pick<TraceRun, 'verify' | 'steps' | 'opts'>): boolean {
  return run.verify && run.steps % run.opts.verifyEvery === 0;
}

/**
 * The verifier's request: the problem and the uncorrected step turns so far (never the chat history itself),
 * under the verifier's model, temperature and token cap.
 */
export function verifierRequest(question: string, messages: readonly TraceMessage[], verifier: VerifierOptions, seed: number): ChatRequest {
  const stepTexts = messages.filter((m) => m.role === 'assistant' && !m.corrected && parseStep(m.content)).map((m) => m.content);
  return {
    model: verifier.model,
    messages: [
      { role: 'system', content: VERIFIER_SYSTEM_PROMPT },
      { role: 'user', content: verifierPrompt(question, stepTexts) },
    ],
    temperature: verifier.temperature,
    maxTokens: verifier.maxTokens,
    seed,
  };
}

/**
 * Marks the assistant turns from the flagged step on as corrected (in place); returns the flag: the message
 * index of the flagged step's turn and the step to redo (the verifier's step, or the last step shown when it
 * named none or one beyond it). With no step to point at (the verifier objected to a bare answer), the last
 * reply is the flagged turn.
 */
export function markCorrected(messages: TraceMessage[], flagged: number | undefined): Omit<VerifierFlag, 'reason'> {
  const live = messages.map((m, i) => ({ m, i, step: parseStep(m.content) })).filter((x) => x.m.role === 'assistant' && !x.m.corrected && x.step);
  const from = live.find((x) => flagged !== undefined && x.step!.n >= flagged) ?? live[live.length - 1];
  if (!from) {
    const last = messages.map((m) => m.role).lastIndexOf('assistant');
    if (last >= 0) messages[last]!.corrected = true;
    return { messageIndex: last, step: flagged ?? 1 };
  }
  for (let i = from.i; i < messages.length; i++) if (messages[i]!.role === 'assistant') messages[i]!.corrected = true;
  return { messageIndex: from.i, step: flagged !== undefined && flagged <= from.step!.n ? flagged : from.step!.n };
}

/**
 * Applies a verdict to the conversation: nothing for a pass or an unreadable reply (undefined); for a flag,
 * marks the turns corrected, appends the critique and returns the flag as recorded.
 */
export function applyVerdict(messages: TraceMessage[], verdict: Verdict | undefined): VerifierFlag | undefined {
  if (!verdict || verdict.ok) return undefined;
  const flag = markCorrected(messages, verdict.firstWrongStep);
  messages.push({ role: 'user', content: critiquePrompt(flag.step, verdict.reason ?? DEFAULT_CRITIQUE_REASON) });
  return { ...flag, ...(verdict.reason !== undefined ? { reason: verdict.reason } : {}) };
}

/**
 * Asks the verifier about the steps so far (seeded by the turn); on a flag, records it and puts the critique
 * in the conversation. True when flagged.
 */
export async function verifyAndCritique(run: TraceRun): Promise<boolean> {
  const seed = samplingSeed(run.opts.seed, run.sampleIndex, run.turns);
  const res = await run.verifierProvider.complete(verifierRequest(run.problem.question, run.messages, run.opts.verifier!, seed));
  addUsage(run, res);
  run.verifierCalls++;
  run.unchecked = 0;
  const flag = applyVerdict(run.messages, parseVerdict(res.choices[0]?.content ?? ''));
  if (!flag) return false;
  run.verifierFlags.push(flag);
  return true;
}
