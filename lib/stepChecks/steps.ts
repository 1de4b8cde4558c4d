import type { TraceMessage } from '../traces/record';

/**
 * The steps of a trace, as step checkers read them. An assistant turn that holds `Step <n>:` lines is cut at
 * them (a multi-turn step, or a chain of thought with numbered lines); a turn without such lines gives one
 * step per non-empty line (a scratchpad such as sortsteps', each line rewriting the one above), numbered on
 * from the last step seen. Lines that give the final answer (`\boxed{}`) or NOT_YET are not part of a step.
 */
export interface TraceStep {
  n: number;
  /** Index in `messages` of the assistant turn that holds it. */
  messageIndex: number;
  text: string;
}

const STEP_LINE = /^\s*Step (\d+):/;
const ANSWER_ONLY = /\\boxed\{|^\s*NOT_YET\s*$/;

export function traceSteps(messages: readonly TraceMessage[]): TraceStep[] {
  const out: TraceStep[] = [];
  let last = 0;
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const lines = m.content.split('\n');
    if (lines.some((l) => STEP_LINE.test(l))) {
      let cur: TraceStep | undefined;
      for (const line of lines) {
        const s = STEP_LINE.exec(line);
        if (s) {
          cur = { n: Number(s[1]), messageIndex: i, text: line.trim() };
          out.push(cur);
          last = cur.n;
        } else if (cur && line.trim() !== '' && !ANSWER_ONLY.test(line)) cur.text += `\n${line.trim()}`;
      }
      return;
    }
    for (const line of lines) {
      if (line.trim() === '' || ANSWER_ONLY.test(line)) continue;
      out.push({ n: ++last, messageIndex: i, text: line.trim() });
    }
  });
  return out;
}

/**
 * The steps that stand: writing step n again (a redo after a critique) replaces the earlier step n and every
 * step after it (the conversation went back to n), as for verifier flags (lib/traces/flags.ts). Only these
 * are judged: a flagged step that was redone counts by its redo.
 */
export function standingSteps(steps: readonly TraceStep[]): TraceStep[] {
  const out: TraceStep[] = [];
  for (const s of steps) {
    while (out.length > 0 && out[out.length - 1]!.n >= s.n) out.pop();
    out.push(s);
  }
  return out;
}

/** What a line-rule checker compares: a step's last line, without a `Step <n>: ` prefix. */
export function stepLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return (lines[lines.length - 1] ?? '').replace(/^Step \d+:\s*/, '');
}
