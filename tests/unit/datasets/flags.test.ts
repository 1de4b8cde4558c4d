/**
 * The flag contract (lib/traces/flags.ts): a flag names the message index of the flagged assistant turn and
 * the step to redo; a trace is kept when every flagged step was redone by a later assistant turn. Records
 * written before the contract (`turn` = number of assistant replies so far) are re-derived.
 */
import { multiTurnExample, selectTraces } from '../../../lib/datasets';
import { critiquePrompt, FINAL_CHECK_PROMPT, formatStep, problemPrompt, STEP_SYSTEM_PROMPT } from '../../../lib/traces/prompts';
import { flagRedone, unredoneFlags, verifierFlagsOf } from '../../../lib/traces/flags';
import type { TraceMessage, TraceRecord } from '../../../lib/traces/record';

const step = (n: number, what: string, corrected?: boolean): TraceMessage => ({ role: 'assistant', content: formatStep(n, what, `Now: ${n}${what}`), ...(corrected ? { corrected } : {}) });
const user = (content: string): TraceMessage => ({ role: 'user', content });

/** Steps 1, 2 (wrong, flagged after step 2, i.e. at the 2nd reply), critique, 2 again, 3 with the answer. */
function selfCorrected(flags: unknown[], redo = true): TraceRecord {
  const messages: TraceMessage[] = [
    { role: 'system', content: STEP_SYSTEM_PROMPT },
    user(problemPrompt('What is 1 + 2 + 3?')),
    step(1, 'add 1 and 2'), //                         2
    user('Continue with the next step.'),
    step(2, 'add 3 wrongly', true), //                 4
    user(critiquePrompt(2, 'off by one')),
    ...(redo ? [step(2, 'add 3'), user(FINAL_CHECK_PROMPT)] : [user(FINAL_CHECK_PROMPT)]),
    { role: 'assistant', content: '\\boxed{6}' },
  ];
  return {
    problemId: 'p',
    levelIndex: 0,
    model: 'm',
    messages,
    finalAnswer: '6',
    grade: { correct: true, extracted: '6', reason: 'match', verifierVersion: 'v' },
    turns: messages.filter((m) => m.role === 'assistant').length,
    verifierFlags: flags as TraceRecord['verifierFlags'],
    usage: { promptTokens: 0, completionTokens: 0 },
    stopReason: 'final-answer',
    style: 'multi-turn',
    sampleIndex: 0,
  };
}

describe('the flag contract', () => {
  it('keeps a correct trace whose flagged step was redone, with the flagged turn at weight 0', () => {
    const t = selfCorrected([{ messageIndex: 4, step: 2, reason: 'off by one' }]);
    expect(unredoneFlags(t)).toEqual([]);
    expect(selectTraces([t]).counts).toMatchObject({ kept: 1, flagged: 0 });
    const weights = multiTurnExample(t).messages.filter((m) => m.role === 'assistant').map((m) => m.weight);
    expect(weights).toEqual([1, 0, 1, 1]);
  });

  it('drops a correct trace whose flagged step was never redone', () => {
    const t = selfCorrected([{ messageIndex: 4, step: 2 }], false);
    expect(unredoneFlags(t)).toHaveLength(1);
    expect(selectTraces([t]).counts).toMatchObject({ kept: 0, flagged: 1 });
  });

  it('counts only a later turn that starts with the step, not the flagged turn itself', () => {
    const t = selfCorrected([{ messageIndex: 4, step: 2 }], false);
    expect(flagRedone(t.messages, { messageIndex: 4, step: 2 })).toBe(false); // ... and nothing after it
    expect(flagRedone(t.messages, { messageIndex: 0, step: 1 })).toBe(true);
  });

  it('reads old records (turn = number of assistant replies when the flag was raised) under the contract', () => {
    // The generator raised the flag after its 2nd reply; the verifier named step 2.
    const legacy = selfCorrected([{ turn: 2, step: 2, reason: 'off by one' }]);
    expect(verifierFlagsOf(legacy)).toEqual([{ messageIndex: 4, step: 2, reason: 'off by one' }]);
    expect(selectTraces([legacy]).counts).toMatchObject({ kept: 1, flagged: 0 });
    expect(selectTraces([selfCorrected([{ turn: 2, step: 2 }], false)]).counts).toMatchObject({ kept: 0, flagged: 1 });
    // A verifier step beyond the last one shown, or none: the last step shown was redone.
    expect(verifierFlagsOf(selfCorrected([{ turn: 2, step: 9 }]))).toEqual([{ messageIndex: 4, step: 2 }]);
    expect(verifierFlagsOf(selfCorrected([{ turn: 2 }]))).toEqual([{ messageIndex: 4, step: 2 }]);
  });
});
