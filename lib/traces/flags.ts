import { parseStep } from './prompts';
import type { LegacyVerifierFlag, TraceMessage, TraceRecord, VerifierFlag } from './record';

/**
 * The flag contract (see VerifierFlag in ./record.ts): read flags, old or new, as `{messageIndex, step}`, and
 * decide whether each was redone. One module so the producer, the selector, the dataset writer and any check
 * over stored records agree.
 */

/** Whether an assistant turn starts with `Step <n>:` (leading blank space ignored). */
export function startsStep(content: string, n: number): boolean {
  return new RegExp(`^\\s*Step ${n}:`).test(content);
}

/**
 * The flags of a trace under the current contract. Records written before it stored `turn` = the number of
 * assistant replies so far and the verifier's raw `step` (possibly absent or beyond the last step); for those,
 * the flagged turn is re-derived the way the generator chose it: among the assistant turns up to the
 * `turn`-th, the last one that shows that step, else the last step shown (whose number is then the step redone).
 */
export function verifierFlagsOf(trace: Pick<TraceRecord, 'messages' | 'verifierFlags'>): VerifierFlag[] {
  return (trace.verifierFlags as (VerifierFlag | LegacyVerifierFlag)[]).map((f) => {
    if ('messageIndex' in f && typeof f.messageIndex === 'number') return f;
    return fromLegacy(trace.messages, f as LegacyVerifierFlag);
  });
}

function fromLegacy(messages: readonly TraceMessage[], f: LegacyVerifierFlag): VerifierFlag {
  const assistant = messages.map((m, i) => ({ m, i })).filter((x) => x.m.role === 'assistant');
  const end = assistant[Math.max(0, Math.min(f.turn, assistant.length) - 1)]?.i ?? messages.length - 1;
  const steps = assistant.filter((x) => x.i <= end).map((x) => ({ i: x.i, step: parseStep(x.m.content) })).filter((x) => x.step);
  const exact = f.step !== undefined ? [...steps].reverse().find((x) => x.step!.n === f.step) : undefined;
  const at = exact ?? steps[steps.length - 1];
  const reason = f.reason !== undefined ? { reason: f.reason } : {};
  if (!at) return { messageIndex: end, step: f.step ?? 1, ...reason };
  return { messageIndex: at.i, step: at.step!.n, ...reason };
}

/** Whether the flagged step was redone: a later assistant turn starts with `Step <step>:` again. */
export function flagRedone(messages: readonly TraceMessage[], flag: VerifierFlag): boolean {
  for (let i = flag.messageIndex + 1; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role === 'assistant' && startsStep(m.content, flag.step)) return true;
  }
  return false;
}

/** The flags of a trace whose step was never redone (a trace with any is not trained on). */
export function unredoneFlags(trace: Pick<TraceRecord, 'messages' | 'verifierFlags'>): VerifierFlag[] {
  return verifierFlagsOf(trace).filter((f) => !flagRedone(trace.messages, f));
}

/** The trace with its flags under the current contract (a legacy record re-derived, a current one unchanged). */
export function withCurrentFlags<T extends Pick<TraceRecord, 'messages' | 'verifierFlags'>>(trace: T): T {
  if (trace.verifierFlags.every((f) => typeof (f as Partial<VerifierFlag>).messageIndex === 'number')) return trace;
  return { ...trace, verifierFlags: verifierFlagsOf(trace) };
}
