import { promptsSchema, turnScheduleSchema } from '../../../lib/traces/promptConfig';
import { generateTrace } from '../../../lib/traces/generateTrace';
import { resolvePrompts } from '../../../lib/traces/promptSet';
import { CONTINUE_PROMPTS, continuePrompt, DEFAULT_TURN_SCHEDULE, isStepSystemPrompt, isVerifierSystemPrompt, STEP_SYSTEM_PROMPT, stepSystemPrompt, VERIFIER_SYSTEM_PROMPT, verifierSystemPrompt } from '../../../lib/traces/prompts';
import { temperatureAt, turnPrompt } from '../../../lib/traces/schedules';
import type { ChatProvider, ChatRequest } from '../../../lib/providers/chat/types';
import type { TraceGrade } from '../../../lib/traces/record';

describe('turnPrompt: user prompts by turn number', () => {
  const schedule = [
    { fromTurn: 1, prompts: ['a', 'b'] },
    { fromTurn: 4, prompts: ['c'] },
    { fromTurn: 6, prompts: ['d', 'e', 'f'] },
  ];
  it('takes the last entry that has started, its prompts in rotation from its first turn', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((t) => turnPrompt(schedule, t))).toEqual(['a', 'b', 'a', 'c', 'c', 'd', 'e', 'f', 'd', 'e']);
  });
  it('the default schedule: the five continue prompts first, then checking turns, then stepping back', () => {
    expect([1, 2, 3, 4, 5].map((t) => continuePrompt(t))).toEqual([...CONTINUE_PROMPTS]);
    expect(continuePrompt(6)).toBe(DEFAULT_TURN_SCHEDULE[1]!.prompts[0]);
    expect(continuePrompt(6)).toMatch(/first principles/);
    expect(continuePrompt(12)).toBe(DEFAULT_TURN_SCHEDULE[2]!.prompts[0]);
    expect(continuePrompt(40)).toBe(DEFAULT_TURN_SCHEDULE[2]!.prompts[(40 - 12) % 2]);
  });
  it('a schedule must start at turn 1 and increase, with prompts in every entry', () => {
    expect(turnScheduleSchema.safeParse([{ fromTurn: 2, prompts: ['a'] }]).error?.issues[0]).toMatchObject({ path: [0, 'fromTurn'], message: 'the first entry must start at turn 1' });
    expect(turnScheduleSchema.safeParse([{ fromTurn: 1, prompts: ['a'] }, { fromTurn: 1, prompts: ['b'] }]).error?.issues[0]?.path).toEqual([1, 'fromTurn']);
    expect(turnScheduleSchema.safeParse([{ fromTurn: 1, prompts: [] }]).success).toBe(false);
  });
});

describe('temperatureAt: the temperature by turn', () => {
  const ramp = { from: 0.3, to: 1.0, overTurns: 7 };
  it('rises linearly from `from` at the first reply to `to` at turn overTurns, then stays', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 20].map((t) => temperatureAt(ramp, 0.9, t))).toEqual([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1, 1]);
  });
  it('falls as well, and without a schedule is the constant base', () => {
    expect(temperatureAt({ from: 1, to: 0, overTurns: 2 }, 0.5, 1)).toBe(0.5);
    expect([0, 3, 30].map((t) => temperatureAt(undefined, 0.7, t))).toEqual([0.7, 0.7, 0.7]);
  });
});

describe('a curriculum prompt set in a trace', () => {
  function scripted(replies: string[]): ChatProvider & { requests: ChatRequest[] } {
    const requests: ChatRequest[] = [];
    return { requests, complete: async (req) => (requests.push(structuredClone(req)), { choices: [{ content: replies.shift() ?? '', finishReason: 'stop' }], usage: { promptTokens: 1, completionTokens: 1 } }) };
  }
  const grade = (): TraceGrade => ({ correct: true, extracted: '6', reason: 'match', verifierVersion: 't' });
  const problem = { id: 'p', levelIndex: 0, question: 'sort 321', answer: '123' } as Parameters<typeof generateTrace>[1];

  it('sends its system prompt, its turn prompts by turn and its temperature by turn', async () => {
    const p = scripted(['Step 1: a', 'Step 2: b', 'Step 3: c', '\\boxed{123}']);
    const prompts = { domain: 'sorting digits', turnSchedule: [{ fromTurn: 1, prompts: ['Next.'] }, { fromTurn: 2, prompts: ['Check, then next.'] }], temperatureSchedule: { from: 0.3, to: 1, overTurns: 2 } };
    await generateTrace(p, problem, { model: 's', finalCheckEvery: 10, temperature: 0.8, prompts }, grade, 0);
    expect(p.requests[0]!.messages[0]!.content).toBe(stepSystemPrompt('sorting digits'));
    expect(p.requests.map((r) => r.temperature)).toEqual([0.3, 0.65, 1, 1]);
    expect(p.requests[3]!.messages.filter((m) => m.role === 'user').slice(1).map((m) => m.content)).toEqual(['Next.', 'Check, then next.', 'Check, then next.']);
  });

  it('defaults: the first-principles math prompt, the default schedule, the constant temperature', async () => {
    const p = scripted(['Step 1: a', '\\boxed{123}']);
    await generateTrace(p, problem, { model: 's', finalCheckEvery: 10, temperature: 0.8 }, grade, 0);
    expect(p.requests[0]!.messages[0]!.content).toBe(STEP_SYSTEM_PROMPT);
    expect(STEP_SYSTEM_PROMPT).toMatch(/first principles/);
    expect(p.requests.map((r) => r.temperature)).toEqual([0.8, 0.8]);
    expect(resolvePrompts(undefined)).toEqual({ domain: 'math', system: STEP_SYSTEM_PROMPT, verifierSystem: VERIFIER_SYSTEM_PROMPT, turnSchedule: DEFAULT_TURN_SCHEDULE });
  });

  it('the sim tells the default prompts of any domain apart (and nothing else for them)', () => {
    expect(isStepSystemPrompt(stepSystemPrompt('sorting digits'))).toBe(true);
    expect(isVerifierSystemPrompt(verifierSystemPrompt('modular arithmetic'))).toBe(true);
    expect(isStepSystemPrompt(verifierSystemPrompt('math'))).toBe(false);
    expect(isVerifierSystemPrompt(STEP_SYSTEM_PROMPT)).toBe(false);
    expect(isStepSystemPrompt('Be brief.')).toBe(false);
  });

  it('rejects unknown fields with their path', () => {
    expect(promptsSchema.safeParse({ domian: 'x' }).error?.issues[0]?.code).toBe('unrecognized_keys');
  });
});
