import { ProviderRequestError } from '../../../lib/providers/errors';
import type { ChatProvider, ChatRequest } from '../../../lib/providers/chat/types';
import { generateTrace } from '../../../lib/traces/generateTrace';
import { continuePrompt, critiquePrompt, FINAL_CHECK_PROMPT, NOT_YET, problemPrompt, STEP_SYSTEM_PROMPT, VERIFIER_SYSTEM_PROMPT } from '../../../lib/traces/prompts';
import type { TraceGrade } from '../../../lib/traces/record';
import { samplingSeed } from '../../../lib/traces/seed';

/** The turn loop against a scripted provider (no server): which requests go out, in which order, and the record. */
const problem = { id: 'p1', levelIndex: 2, question: 'What is 2 + 2?', answer: '4' } as Parameters<typeof generateTrace>[1];
const grade = (text: string, gold: string): TraceGrade => {
  const m = /\\boxed\{([^}]*)\}/.exec(text);
  return m ? { correct: m[1] === gold, extracted: m[1], reason: m[1] === gold ? 'match' : 'mismatch', verifierVersion: 't' } : { correct: false, reason: 'no-answer', verifierVersion: 't' };
};

type Reply = string | { content: string; finishReason: string } | Error;
/** Student replies and verifier replies from two lists (told apart by model); every request kept. */
function scripted(student: Reply[], verifier: Reply[] = []): ChatProvider & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    requests,
    complete: async (req) => {
      requests.push(structuredClone(req));
      const r = (req.model === 'v' ? verifier : student).shift() ?? '';
      if (r instanceof Error) throw r;
      const choice = typeof r === 'string' ? { content: r, finishReason: 'stop' } : r;
      return { choices: [choice], usage: { promptTokens: 10, completionTokens: 3 } };
    },
  };
}
const lastUser = (req: ChatRequest) => req.messages[req.messages.length - 1]!;

describe('generateTrace (turn loop)', () => {
  it('steps, a final check that says NOT_YET, more steps, then a final answer', async () => {
    const p = scripted(['Step 1: a', NOT_YET, 'Step 2: b', '\\boxed{4}']);
    const t = await generateTrace(p, problem, { model: 's', finalCheckEvery: 1, verifyEvery: 0 }, grade, 3);
    expect(p.requests.map(lastUser)).toEqual([
      { role: 'user', content: problemPrompt(problem.question) },
      { role: 'user', content: FINAL_CHECK_PROMPT },
      { role: 'user', content: continuePrompt(2) },
      { role: 'user', content: FINAL_CHECK_PROMPT },
    ]);
    expect(p.requests[0]!.messages[0]).toEqual({ role: 'system', content: STEP_SYSTEM_PROMPT });
    // per-sample seeds: one seed for every turn
    expect(new Set(p.requests.map((r) => r.seed))).toEqual(new Set([samplingSeed(0, 3)]));
    expect(t).toMatchObject({ problemId: 'p1', levelIndex: 2, model: 's', finalAnswer: '4', turns: 4, stopReason: 'final-answer', style: 'multi-turn', sampleIndex: 3 });
    expect(t.grade.correct).toBe(true);
    expect(t.usage).toEqual({ promptTokens: 40, completionTokens: 12 });
    expect('verifierCalls' in t).toBe(false);
  });

  it('per-turn seeds change with the turn; the verifier is seeded by the turn it comes after', async () => {
    const p = scripted(['Step 1: a', '\\boxed{4}'], ['VERDICT: correct']);
    const t = await generateTrace(p, problem, { model: 's', seedMode: 'per-turn', seed: 5, finalCheckEvery: 1, verifyEvery: 1, verifier: { model: 'v' } }, grade, 0);
    expect(p.requests.map((r) => [r.model, r.seed])).toEqual([
      ['s', samplingSeed(5, 0, 0)],
      ['v', samplingSeed(5, 0, 1)],
      ['s', samplingSeed(5, 0, 1)],
    ]);
    expect(t).toMatchObject({ verifierCalls: 1, stopReason: 'final-answer', verifierFlags: [] });
  });

  it('a flag sends back a critique; the corrected turn is marked; the redone step is then verified before the answer', async () => {
    const p = scripted(['Step 1: a', 'Step 1: a again', '\\boxed{4}'], ['VERDICT: incorrect\nFIRST_WRONG_STEP: 1\nREASON: off by one', 'VERDICT: correct']);
    const t = await generateTrace(p, problem, { model: 's', finalCheckEvery: 1, verifyEvery: 1, verifier: { model: 'v' } }, grade, 0);
    expect(p.requests.map((r) => r.model)).toEqual(['s', 'v', 's', 'v', 's']);
    expect(lastUser(p.requests[2]!)).toEqual({ role: 'user', content: critiquePrompt(1, 'off by one') });
    expect(p.requests[1]!.messages[0]!.content).toBe(VERIFIER_SYSTEM_PROMPT);
    expect(t.verifierFlags).toEqual([{ messageIndex: 2, step: 1, reason: 'off by one' }]);
    expect(t.messages[2]!.corrected).toBe(true);
    expect(t).toMatchObject({ verifierCalls: 2, stopReason: 'final-answer', finalAnswer: '4' });
  });

  it('a final answer before any check waits for the verifier', async () => {
    const p = scripted(['Step 1: a\n\\boxed{4}'], ['VERDICT: correct']);
    const t = await generateTrace(p, problem, { model: 's', verifyEvery: 4, verifier: { model: 'v' } }, grade, 0);
    expect(p.requests.map((r) => r.model)).toEqual(['s', 'v']);
    expect(t).toMatchObject({ turns: 1, verifierCalls: 1, stopReason: 'final-answer' });
  });

  it('ends on a truncated reply, on maxTurns, and on a 400 after the first turn; a 400 on the first turn throws', async () => {
    const cut = await generateTrace(scripted(['Step 1: a', { content: 'Step 2: b', finishReason: 'length' }]), problem, { model: 's', finalCheckEvery: 5 }, grade, 0);
    expect(cut).toMatchObject({ stopReason: 'length', turns: 2 });
    expect(cut.finalAnswer).toBeUndefined();

    const long = scripted(['Step 1: a', 'Step 2: b', 'Step 3: c']);
    const capped = await generateTrace(long, problem, { model: 's', maxTurns: 2, finalCheckEvery: 2 }, grade, 0);
    // no final check with no turn left for it, and no unanswered question at the end
    expect(capped).toMatchObject({ stopReason: 'max-turns', turns: 2 });
    expect(capped.messages[capped.messages.length - 1]!.role).toBe('assistant');
    expect(long.requests.map(lastUser).map((m) => m.content)).not.toContain(FINAL_CHECK_PROMPT);

    const tooLong = await generateTrace(scripted(['Step 1: a', new ProviderRequestError('context', 400)]), problem, { model: 's', finalCheckEvery: 5 }, grade, 0);
    expect(tooLong).toMatchObject({ stopReason: 'error', turns: 1 });
    expect(tooLong.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);

    await expect(generateTrace(scripted([new ProviderRequestError('bad', 400)]), problem, { model: 's' }, grade, 0)).rejects.toThrow('bad');
  });
});
