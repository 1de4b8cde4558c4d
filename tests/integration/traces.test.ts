/**
 * Multi-turn traces against the simulated provider, through the real `openai` SDK over loopback HTTP:
 * step turns, final checks, a verifier critique that marks turns corrected, a final answer; plus the
 * single-turn chain-of-thought mode, the caps, and reproducibility.
 */
import path from 'node:path';
import { loadCurriculum } from '../../lib/curriculum';
import type { Curriculum, Problem } from '../../lib/curriculum/types';
import { gradeAnswer } from '../../lib/grading/gradeAnswer';
import { createOpenAIChatProvider, ProviderRequestError, type ChatProvider } from '../../lib/providers/chat';
import {
  continuePrompt,
  CONTINUE_PROMPTS,
  COT_SYSTEM_PROMPT,
  FINAL_CHECK_PROMPT,
  generateCotSample,
  generateTrace,
  NOT_YET,
  parseStep,
  problemPrompt,
  STEP_SYSTEM_PROMPT,
  type TraceRecord,
} from '../../lib/traces';
import { startSim, type RunningSim } from '../../sim';

const ROOT = path.resolve(__dirname, '../..');
const grade = (text: string, gold: string) => gradeAnswer(text, gold, 'number');

let sim: RunningSim;
let provider: ChatProvider;
let curriculum: Curriculum;

beforeAll(async () => {
  curriculum = await loadCurriculum(path.join(ROOT, 'curricula/arithmetic.yaml'));
  // A verifier that is always right: every flag points at a step that really is wrong.
  sim = await startSim({ port: 0, curricula: [curriculum], config: { traces: { verifierAccuracy: 1 } } });
  provider = createOpenAIChatProvider({ baseURL: sim.baseURL, maxRetries: 1 });
});

afterAll(async () => {
  await sim?.close();
});

/** Training problems of a level (the level whose problems take several steps: 3 terms). */
function problemsOf(levelId: string): Problem[] {
  const level = curriculum.levels.find((l) => l.id === levelId);
  if (!level) throw new Error(`arithmetic.yaml has no level ${levelId}`);
  return level.problems.filter((p) => !p.heldOut);
}

const verified = {
  model: 'sim-student',
  verifier: { model: 'sim-teacher' },
  verifyEvery: 1,
  finalCheckEvery: 1,
  maxTurns: 16,
};

/** The first (problem, sample) whose trace has a verifier critique and ends on a final answer. */
async function findCritiquedTrace(): Promise<TraceRecord> {
  for (const problem of problemsOf('mixed-3terms').slice(0, 10)) {
    for (let sampleIndex = 0; sampleIndex < 8; sampleIndex++) {
      const t = await generateTrace(provider, problem, verified, grade, sampleIndex);
      if (t.verifierFlags.length > 0 && t.stopReason === 'final-answer') return t;
    }
  }
  throw new Error('no trace with a verifier critique and a final answer in 80 tries');
}

describe('generateTrace (multi-turn) against the sim', () => {
  let trace: TraceRecord;
  beforeAll(async () => {
    trace = await findCritiquedTrace();
  });

  it('follows the conversation format: system, problem, then alternating turns ending on the answer', () => {
    const problem = problemsOf('mixed-3terms').find((p) => p.id === trace.problemId)!;
    expect(trace.messages[0]).toEqual({ role: 'system', content: STEP_SYSTEM_PROMPT });
    expect(trace.messages[1]).toEqual({ role: 'user', content: problemPrompt(problem.question) });
    trace.messages.slice(2).forEach((m, i) => expect(m.role).toBe(i % 2 === 0 ? 'assistant' : 'user'));
    const assistant = trace.messages.filter((m) => m.role === 'assistant');
    expect(trace.turns).toBe(assistant.length);
    expect(trace.messages[trace.messages.length - 1]!.role).toBe('assistant');
    expect(trace.messages[trace.messages.length - 1]!.content).toContain('\\boxed{');
    const users = trace.messages.slice(2).filter((m) => m.role === 'user').map((m) => m.content);
    for (const u of users) {
      const known = u === FINAL_CHECK_PROMPT || CONTINUE_PROMPTS.includes(u) || /^A reviewer found an error in step \d+:/.test(u);
      expect(known).toBe(true);
    }
    expect(trace.style).toBe('multi-turn');
    expect(trace.model).toBe('sim-student');
    expect(trace.usage.promptTokens).toBeGreaterThan(0);
    expect(trace.usage.completionTokens).toBeGreaterThan(0);
  });

  it('turns a verifier flag into a critique and marks the flagged turns corrected', () => {
    const flag = trace.verifierFlags[0]!;
    expect(flag.step).toBeGreaterThanOrEqual(1);
    expect(flag.reason).toBeTruthy();
    const critiqueAt = trace.messages.findIndex((m) => m.role === 'user' && m.content.startsWith(`A reviewer found an error in step ${flag.step}:`));
    expect(critiqueAt).toBeGreaterThan(2);
    // The flagged step and every assistant turn after it, up to the critique, are corrected.
    const before = trace.messages.slice(2, critiqueAt).filter((m) => m.role === 'assistant');
    const firstCorrected = before.findIndex((m) => m.corrected);
    expect(firstCorrected).toBeGreaterThanOrEqual(0);
    expect(parseStep(before[firstCorrected]!.content)!.n).toBe(flag.step);
    expect(before.slice(firstCorrected).every((m) => m.corrected)).toBe(true);
    expect(before.slice(0, firstCorrected).some((m) => m.corrected)).toBe(false);
    // The redo is a fresh, uncorrected step with the flagged number.
    const redo = trace.messages[critiqueAt + 1]!;
    expect(redo.role).toBe('assistant');
    expect(parseStep(redo.content)!.n).toBe(flag.step);
  });

  it('ends with a graded final answer', () => {
    expect(trace.stopReason).toBe('final-answer');
    expect(trace.finalAnswer).toBeDefined();
    const problem = problemsOf('mixed-3terms').find((p) => p.id === trace.problemId)!;
    expect(trace.grade.extracted).toBe(trace.finalAnswer);
    expect(trace.grade.correct).toBe(Number(trace.finalAnswer) === Number(problem.answer));
    expect(trace.grade.reason).toBe(trace.grade.correct ? 'match' : 'mismatch');
  });

  it('is reproducible: the same sample index gives the same trace', async () => {
    const problem = problemsOf('mixed-3terms').find((p) => p.id === trace.problemId)!;
    const again = await generateTrace(provider, problem, verified, grade, trace.sampleIndex);
    expect(again).toEqual(trace);
  });

  it('asks for the final answer every finalCheckEvery steps and goes on after NOT_YET', async () => {
    const problem = problemsOf('mixed-3terms')[0]!;
    const t = await generateTrace(provider, problem, { model: 'sim-student', finalCheckEvery: 1 }, grade, 0);
    const checks = t.messages.filter((m) => m.content === FINAL_CHECK_PROMPT).length;
    expect(checks).toBeGreaterThanOrEqual(1);
    const afterCheck = t.messages.findIndex((m) => m.content === FINAL_CHECK_PROMPT) + 1;
    expect(t.messages[afterCheck]!.content.trim()).toBe(NOT_YET);
    // The continue turns vary with the number of replies so far.
    const repliesSoFar = t.messages.slice(0, afterCheck + 1).filter((m) => m.role === 'assistant').length;
    expect(t.messages[afterCheck + 1]).toEqual({ role: 'user', content: continuePrompt(repliesSoFar) });
    expect(t.verifierFlags).toEqual([]);
    expect(t.stopReason).toBe('final-answer');
  });

  it('stops at maxTurns and on a truncated reply', async () => {
    const problem = problemsOf('mixed-4terms')[0]!;
    const capped = await generateTrace(provider, problem, { model: 'sim-student', maxTurns: 2, finalCheckEvery: 1 }, grade, 0);
    expect(capped.stopReason).toBe('max-turns');
    expect(capped.turns).toBe(2);
    expect(capped.finalAnswer).toBeUndefined();
    expect(capped.grade).toMatchObject({ correct: false, reason: 'no-answer' });
    expect(capped.messages[capped.messages.length - 1]!.role).toBe('assistant');

    const cut = await generateTrace(provider, problem, { model: 'sim-student', maxTokens: 2 }, grade, 0);
    expect(cut.stopReason).toBe('length');
    expect(cut.turns).toBe(1);
  });

  it('surfaces a bad model as a non-retryable provider error', async () => {
    const problem = problemsOf('mixed-3terms')[0]!;
    await expect(generateTrace(provider, problem, { model: 'no-such-model' }, grade, 0)).rejects.toBeInstanceOf(ProviderRequestError);
  });
});

describe('generateCotSample (single turn) against the sim', () => {
  it('gives one graded record per choice with consecutive sample indices', async () => {
    const problem = problemsOf('add-1digit')[0]!;
    const records = await generateCotSample(provider, problem, { model: 'sim-student' }, grade, 10, 4);
    expect(records.map((r) => r.sampleIndex)).toEqual([10, 11, 12, 13]);
    for (const r of records) {
      expect(r.style).toBe('cot');
      expect(r.turns).toBe(1);
      expect(r.messages[0]).toEqual({ role: 'system', content: COT_SYSTEM_PROMPT });
      expect(r.messages[2]!.role).toBe('assistant');
      expect(r.stopReason).toBe('final-answer');
      expect(r.finalAnswer).toBeDefined();
      expect(r.grade.correct).toBe(Number(r.finalAnswer) === Number(problem.answer));
    }
    // An easy problem for this student: most choices are right.
    expect(records.filter((r) => r.grade.correct).length).toBeGreaterThanOrEqual(2);
    const total = records.reduce((s, r) => s + r.usage.promptTokens, 0);
    expect(total).toBeGreaterThan(0);
  });
});
