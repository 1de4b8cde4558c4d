import { startRun } from '../../../lib/traces/conversation';
import { acceptFinal, askForFinalAnswer, finalCheckDue, hasFinalAnswer, verifierMustSeeFinal } from '../../../lib/traces/finalCheck';
import { TraceOptionsSchema, type TraceOptionsInput } from '../../../lib/traces/options';
import { FINAL_CHECK_PROMPT, formatStep, NOT_YET, VERIFIER_SYSTEM_PROMPT } from '../../../lib/traces/prompts';
import type { ChatProvider, ChatRequest } from '../../../lib/providers/chat/types';

const problem = { id: 'p1', levelIndex: 0, question: 'What is 2 + 2?', answer: '4' } as Parameters<typeof startRun>[1];

/** A provider that answers from a list and keeps every request. */
function scripted(replies: string[]): ChatProvider & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    requests,
    complete: async (req) => {
      requests.push(req);
      return { choices: [{ content: replies.shift() ?? '', finishReason: 'stop' }], usage: { promptTokens: 5, completionTokens: 2 } };
    },
  };
}
const runWith = (provider: ChatProvider, input: Partial<TraceOptionsInput> = {}) => startRun(provider, problem, TraceOptionsSchema.parse({ model: 's', ...input }), 0);

describe('hasFinalAnswer', () => {
  it('is a complete box, not NOT_YET nor a half box', () => {
    expect(hasFinalAnswer('so \\boxed{4}')).toBe(true);
    expect(hasFinalAnswer(formatStep(3, 'final answer', 'the sum is \\boxed{4}'))).toBe(true);
    expect(hasFinalAnswer(NOT_YET)).toBe(false);
    expect(hasFinalAnswer('\\boxed{4')).toBe(false);
  });
});

describe('finalCheckDue', () => {
  const opts = TraceOptionsSchema.parse({ model: 's', finalCheckEvery: 2, maxTurns: 5 });
  it('after every finalCheckEvery steps, while a turn remains for the answer', () => {
    expect([1, 2, 3, 4].map((steps) => finalCheckDue({ steps, turns: 1, opts }))).toEqual([false, true, false, true]);
    expect(finalCheckDue({ steps: 2, turns: 5, opts })).toBe(false);
  });
});

describe('verifierMustSeeFinal', () => {
  it('with the verifier on: while steps are unchecked, and at least once per trace', () => {
    expect(verifierMustSeeFinal({ verify: true, unchecked: 1, verifierCalls: 3 })).toBe(true);
    expect(verifierMustSeeFinal({ verify: true, unchecked: 0, verifierCalls: 0 })).toBe(true);
    expect(verifierMustSeeFinal({ verify: true, unchecked: 0, verifierCalls: 1 })).toBe(false);
    expect(verifierMustSeeFinal({ verify: false, unchecked: 2, verifierCalls: 0 })).toBe(false);
  });
});

describe('askForFinalAnswer', () => {
  it('puts the final-check prompt in the conversation and appends the reply', async () => {
    const p = scripted([NOT_YET]);
    const run = runWith(p);
    expect(await askForFinalAnswer(run)).toEqual({ content: NOT_YET, finishReason: 'stop' });
    expect(p.requests[0]!.messages[p.requests[0]!.messages.length - 1]).toEqual({ role: 'user', content: FINAL_CHECK_PROMPT });
    expect(run.messages.slice(-2)).toEqual([{ role: 'user', content: FINAL_CHECK_PROMPT }, { role: 'assistant', content: NOT_YET }]);
    expect(run.turns).toBe(1);
  });
});

describe('acceptFinal', () => {
  it('accepts at once with the verifier off', async () => {
    const p = scripted([]);
    const run = runWith(p);
    run.unchecked = 2;
    expect(await acceptFinal(run, '\\boxed{4}')).toBe(true);
    expect(run).toMatchObject({ finalReply: '\\boxed{4}', stopReason: 'final-answer', verifierCalls: 0 });
    expect(p.requests).toHaveLength(0);
  });

  it('with the verifier on: accepted after a pass, refused (critique in the conversation) after a flag', async () => {
    const pass = scripted(['VERDICT: correct']);
    const ok = runWith(pass, { verifier: { model: 'v' } });
    ok.unchecked = 1;
    expect(await acceptFinal(ok, '\\boxed{4}')).toBe(true);
    expect(pass.requests[0]!.messages[0]!.content).toBe(VERIFIER_SYSTEM_PROMPT);
    expect(ok).toMatchObject({ verifierCalls: 1, unchecked: 0, stopReason: 'final-answer' });

    const flag = scripted(['VERDICT: incorrect\nREASON: no work shown']);
    const no = runWith(flag, { verifier: { model: 'v' } });
    no.messages.push({ role: 'assistant', content: '\\boxed{5}' });
    expect(await acceptFinal(no, '\\boxed{5}')).toBe(false);
    expect(no.finalReply).toBeUndefined();
    expect(no.stopReason).toBe('max-turns');
    expect(no.verifierFlags).toEqual([{ messageIndex: 2, step: 1, reason: 'no work shown' }]);
    expect(no.messages[2]!.corrected).toBe(true);
  });
});
