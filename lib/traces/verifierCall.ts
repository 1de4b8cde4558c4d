import type { ChatRequest } from '../providers/chat/types';
import { addUsage, type TraceRun } from './conversation';
import type { VerifierOptions } from './options';
import {
  critiquePrompt,
  DEFAULT_CRITIQUE_REASON,
  parseStep,
  parseVerdict,
  UNREADABLE_VERDICT_REASON,
  VERDICT_JSON_SCHEMA,
  VERIFIER_SYSTEM_PROMPT,
  verifierPrompt,
  type TranscriptEntry,
  type Verdict,
} from './prompts';
import type { TraceMessage, VerifierFlag } from './record';
import { samplingSeed } from './seed';

/** Whether the verifier looks after this step: it is on and `steps` is a multiple of `verifyEvery`. */
export function verifierDue(run: Pick<TraceRun, 'verify' | 'steps' | 'opts'>): boolean {
  return run.verify && run.steps % run.opts.verifyEvery === 0;
}

/**
 * The conversation after the problem, as the verifier reads it: every turn (steps, the turn prompts, earlier
 * critiques, redone steps), a step that a critique sent back marked `student (redone later)`.
 */
export function transcript(messages: readonly TraceMessage[]): TranscriptEntry[] {
  const firstUser = messages.findIndex((m) => m.role === 'user');
  return messages
    .filter((m, i) => m.role !== 'system' && i !== firstUser)
    .map((m) => ({ label: m.role === 'assistant' ? (m.corrected ? 'student (redone later)' : 'student') : 'user', content: m.content }));
}

/**
 * The verifier's request: the problem and the whole conversation so far, under the domain's verifier prompt,
 * the verifier's model, temperature and token cap, and (unless `responseFormat: none`) the verdict's JSON
 * schema as structured output.
 */
export function verifierRequest(
  question: string,
  messages: readonly TraceMessage[],
  verifier: VerifierOptions,
  seed: number,
  system: string = VERIFIER_SYSTEM_PROMPT,
): ChatRequest {
  return {
    model: verifier.model,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: verifierPrompt(question, transcript(messages)) },
    ],
    temperature: verifier.temperature,
    maxTokens: verifier.maxTokens,
    seed,
    ...(verifier.responseFormat === 'json_schema' ? { responseFormat: { type: 'json_schema', json_schema: { name: 'verdict', schema: VERDICT_JSON_SCHEMA as unknown as Record<string, unknown>, strict: true } } } : {}),
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
 * Applies a verdict to the conversation: nothing for a pass or no verdict (undefined); for a flag,
 * marks the turns corrected, appends the critique and returns the flag as recorded.
 */
export function applyVerdict(messages: TraceMessage[], verdict: Verdict | undefined): VerifierFlag | undefined {
  if (!verdict || verdict.ok) return undefined;
  const flag = markCorrected(messages, verdict.firstWrongStep);
  messages.push({ role: 'user', content: critiquePrompt(flag.step, verdict.reason ?? DEFAULT_CRITIQUE_REASON) });
  return { ...flag, ...(verdict.reason !== undefined ? { reason: verdict.reason } : {}) };
}

/**
 * The verdict of one verifier call: the reply read, and when it cannot be, asked once more (a new seed);
 * still unreadable, `onUnparsed` decides: `flag` (the last step is sent back with UNREADABLE_VERDICT_REASON)
 * or `accept` (no objection). Every unreadable reply is counted in `verifierUnparsed`, never passed over.
 */
async function readVerdict(run: TraceRun): Promise<Verdict | undefined> {
  const verifier = run.opts.verifier!;
  for (let attempt = 0; attempt < 2; attempt++) {
    const seed = samplingSeed(run.opts.seed, run.sampleIndex, attempt === 0 ? run.turns : run.turns + 100_000);
    const res = await run.verifierProvider.complete(verifierRequest(run.problem.question, run.messages, verifier, seed, run.prompts.verifierSystem));
    addUsage(run, res);
    run.verifierCalls++;
    const verdict = parseVerdict(res.choices[0]?.content ?? '');
    if (verdict) return verdict;
    run.verifierUnparsed++;
  }
  return verifier.onUnparsed === 'accept' ? undefined : { ok: false, reason: UNREADABLE_VERDICT_REASON };
}

/**
 * Asks the verifier about the conversation so far (seeded by the turn); on a flag, records it and puts the
 * critique in the conversation. True when flagged.
 */
export async function verifyAndCritique(run: TraceRun): Promise<boolean> {
  const verdict = await readVerdict(run);
  run.unchecked = 0;
  const flag = applyVerdict(run.messages, verdict);
  if (!flag) return false;
  run.verifierFlags.push(flag);
  return true;
}
