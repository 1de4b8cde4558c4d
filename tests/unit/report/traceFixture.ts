import { critiquePrompt, FINAL_CHECK_PROMPT, formatStep, problemPrompt, STEP_SYSTEM_PROMPT } from '../../../lib/traces/prompts';
import type { TraceRecord } from '../../../lib/traces/record';

/**
 * A small multi-turn trace for the report's tests: two final checks, optionally a verifier flag that was
 * never redone, its own wording (so near-duplicate detection leaves distinct samples alone).
 */
export function fixtureTrace(problemId: string, sampleIndex: number, o: { correct?: boolean; unredoneFlag?: boolean; answer?: string; words?: string } = {}): TraceRecord {
  const w = o.words ?? `${problemId} sample ${sampleIndex} alpha${sampleIndex} beta${sampleIndex} gamma${sampleIndex}`;
  const answer = o.answer ?? (o.correct === false ? '8' : '7');
  const messages: TraceRecord['messages'] = [
    { role: 'system', content: STEP_SYSTEM_PROMPT },
    { role: 'user', content: problemPrompt(`question ${problemId}`) },
    { role: 'assistant', content: formatStep(1, 'first', `we start: ${w}`) },
    { role: 'user', content: FINAL_CHECK_PROMPT },
    { role: 'assistant', content: 'NOT_YET' },
  ];
  const verifierFlags: TraceRecord['verifierFlags'] = [];
  if (o.unredoneFlag) {
    verifierFlags.push({ messageIndex: 2, step: 1, reason: 'the sum is wrong' });
    messages.push({ role: 'user', content: critiquePrompt(1, 'the sum is wrong') });
  }
  messages.push({ role: 'assistant', content: formatStep(2, 'next', `then: ${w}`) }, { role: 'user', content: FINAL_CHECK_PROMPT }, { role: 'assistant', content: `\\boxed{${answer}}` });
  return {
    problemId,
    levelIndex: 1,
    model: 'student',
    messages,
    finalAnswer: answer,
    grade: { correct: o.correct ?? true, extracted: answer, reason: o.correct === false ? 'mismatch' : 'match', verifierVersion: 'v1' },
    turns: messages.filter((m) => m.role === 'assistant').length,
    verifierFlags,
    usage: { promptTokens: 1, completionTokens: 1 },
    stopReason: 'final-answer',
    style: 'multi-turn',
    sampleIndex,
  };
}
