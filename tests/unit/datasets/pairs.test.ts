import { buildPairs, lengthRatio, pairRules, pairText } from '../../../lib/datasets/pairs';
import { preferenceLine, preferenceLineProblems } from '../../../lib/datasets/preferenceFormat';
import { COT_SYSTEM_PROMPT, critiquePrompt, FINAL_CHECK_PROMPT, formatStep, problemPrompt, STEP_SYSTEM_PROMPT } from '../../../lib/traces/prompts';
import type { TraceRecord } from '../../../lib/traces/record';

/** A trace of `problemId` whose one step says `words` and whose answer is `answer` (correct when it is 7). */
function trace(problemId: string, sampleIndex: number, o: { words?: string; answer?: string; flag?: boolean; model?: string; noAnswer?: boolean } = {}): TraceRecord {
  const answer = o.answer ?? '7';
  const words = o.words ?? `sample ${sampleIndex} of ${problemId} reasons with w${sampleIndex} x${sampleIndex} y${sampleIndex} z${sampleIndex}`;
  const messages: TraceRecord['messages'] = [
    { role: 'system', content: STEP_SYSTEM_PROMPT },
    { role: 'user', content: problemPrompt(`question ${problemId}`) },
    { role: 'assistant', content: formatStep(1, 'work', words) },
  ];
  const verifierFlags: TraceRecord['verifierFlags'] = [];
  if (o.flag) {
    verifierFlags.push({ messageIndex: 2, step: 1, reason: 'wrong' });
    messages.push({ role: 'user', content: critiquePrompt(1, 'wrong') }, { role: 'assistant', content: formatStep(2, 'moving on', 'ignored the critique') });
  }
  messages.push({ role: 'user', content: FINAL_CHECK_PROMPT }, { role: 'assistant', content: o.noAnswer ? 'I cannot tell' : `\\boxed{${answer}}` });
  const correct = !o.noAnswer && answer === '7';
  return {
    problemId,
    levelIndex: 2,
    model: o.model ?? 'student',
    messages,
    ...(o.noAnswer ? {} : { finalAnswer: answer }),
    grade: o.noAnswer ? { correct: false, reason: 'no-answer', verifierVersion: 'v' } : { correct, extracted: answer, reason: correct ? 'match' : 'mismatch', verifierVersion: 'v' },
    turns: messages.filter((m) => m.role === 'assistant').length,
    verifierFlags,
    usage: { promptTokens: 1, completionTokens: 1 },
    stopReason: o.noAnswer ? 'max-turns' : 'final-answer',
    style: 'multi-turn',
    sampleIndex,
  };
}

describe('pairRules', () => {
  it('defaults: 4 pairs per problem, distinct answers, length ratio 1.5, near-duplicates dropped', () => {
    expect(pairRules()).toEqual({ pairsPerProblem: 4, distinctAnswers: true, maxLengthRatio: 1.5, dropNearDuplicates: true });
  });
});

describe('buildPairs', () => {
  it('pairs a correct trace with an incorrect one of the same problem and model, prompt = CoT system + problem', () => {
    const { pairs, counts } = buildPairs([trace('p', 0), trace('p', 1, { answer: '8' })]);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({ problemId: 'p', levelIndex: 2, model: 'student', preferredSample: 0, nonPreferredSample: 1 });
    expect(pairs[0]!.prompt).toEqual([
      { role: 'system', content: COT_SYSTEM_PROMPT },
      { role: 'user', content: problemPrompt('question p') },
    ]);
    expect(pairs[0]!.preferred).toContain('\\boxed{7}');
    expect(pairs[0]!.nonPreferred).toContain('\\boxed{8}');
    expect(counts).toMatchObject({ problems: 1, problemsWithPairs: 1, pairs: 1, noPreferred: 0, noNonPreferred: 0 });
  });

  it('never pairs across models or problems, and counts problems with nothing to contrast', () => {
    const { pairs, counts } = buildPairs([trace('p', 0), trace('p', 1, { answer: '8', model: 'other' }), trace('q', 0, { answer: '9' })]);
    expect(pairs).toEqual([]);
    expect(counts).toMatchObject({ problems: 3, problemsWithPairs: 0, noPreferred: 2, noNonPreferred: 1 });
  });

  it('a trace with an unresolved verifier flag is never preferred', () => {
    const { pairs, counts } = buildPairs([trace('p', 0, { flag: true }), trace('p', 1, { answer: '8' })]);
    expect(pairs).toEqual([]);
    expect(counts.dropped.notPreferable).toBe(1);
  });

  it('an incorrect trace with no final answer is not a non-preferred output', () => {
    const { pairs, counts } = buildPairs([trace('p', 0), trace('p', 1, { noAnswer: true })]);
    expect(pairs).toEqual([]);
    expect(counts.dropped.noAnswer).toBe(1);
  });

  it('distinct answers: two wrong traces with the same answer give one pair; off, both pair', () => {
    const traces = [trace('p', 0), trace('p', 1), trace('p', 2, { answer: '8' }), trace('p', 3, { answer: '8' })];
    const on = buildPairs(traces);
    expect(on.pairs.map((p) => p.nonPreferredSample)).toEqual([2]);
    expect(on.counts.dropped.sameAnswer).toBe(1);
    expect(buildPairs(traces, { distinctAnswers: false }).pairs).toHaveLength(2);
  });

  it('length matching: each preferred trace takes the closest-length wrong one, and none beyond the ratio', () => {
    const short = 'a b c d e f g h';
    const long = `${short} ${'more words here '.repeat(6)}`;
    const traces = [
      trace('p', 0, { words: long }),
      trace('p', 1, { words: short }),
      trace('p', 2, { answer: '8', words: `${short} i` }),
      trace('p', 3, { answer: '9', words: `${long} extra` }),
    ];
    const { pairs, counts } = buildPairs(traces);
    const bySample = Object.fromEntries(pairs.map((p) => [p.preferredSample, p.nonPreferredSample]));
    expect(bySample).toEqual({ 0: 3, 1: 2 });
    for (const p of pairs) expect(lengthRatio(p.preferred, p.nonPreferred)).toBeLessThanOrEqual(1.5);
    expect(counts.meanAbsLengthDiff).toBeLessThan(10);

    const far = buildPairs([trace('p', 0, { words: short }), trace('p', 1, { answer: '8', words: long })]);
    expect(far.pairs).toEqual([]);
    expect(far.counts.dropped.lengthMismatch).toBe(1);
  });

  it('near-duplicates: a preferred or non-preferred text like one already used is dropped', () => {
    const same = 'the same careful reasoning every time with the same words';
    const { pairs, counts } = buildPairs([
      trace('p', 0, { words: same }),
      trace('p', 1, { words: same }),
      trace('p', 2, { answer: '8', words: `${same} but wrong` }),
      trace('p', 3, { answer: '9', words: `${same} but wrong` }),
    ]);
    expect(pairs).toHaveLength(1);
    expect(counts.dropped.nearDuplicate).toBe(1);
  });

  it('caps pairs per problem and does not depend on input order', () => {
    const traces = [0, 1, 2, 3, 4, 5].map((i) => trace('p', i)).concat([6, 7, 8, 9, 10, 11].map((i) => trace('p', i, { answer: String(20 + i) })));
    const a = buildPairs(traces, { pairsPerProblem: 2 });
    expect(a.pairs).toHaveLength(2);
    expect(buildPairs([...traces].reverse(), { pairsPerProblem: 2 })).toEqual(a);
  });

  it('pairText is the standing steps: a corrected turn is left out', () => {
    const t = trace('p', 0);
    t.messages[2] = { ...t.messages[2]!, corrected: true };
    expect(pairText(t)).not.toContain('Step 1');
    expect(pairText(t)).toContain('\\boxed{7}');
  });
});

describe('preference lines (OpenAI, Together and Fireworks document one format)', () => {
  const pair = buildPairs([trace('p', 0), trace('p', 1, { answer: '8' })]).pairs[0]!;

  it('a pair becomes {input: {messages}, preferred_output: [one assistant message], non_preferred_output: [one]}', () => {
    const line = preferenceLine(pair);
    expect(line).toEqual({
      input: { messages: pair.prompt },
      preferred_output: [{ role: 'assistant', content: pair.preferred }],
      non_preferred_output: [{ role: 'assistant', content: pair.nonPreferred }],
    });
    expect(preferenceLineProblems(line)).toEqual([]);
  });

  it('names each broken rule by field', () => {
    const line = preferenceLine(pair);
    expect(preferenceLineProblems({ ...line, preferred_output: [...line.preferred_output, ...line.preferred_output] })).toEqual(['preferred_output: expected exactly one assistant message']);
    expect(preferenceLineProblems({ ...line, non_preferred_output: [{ role: 'user', content: 'x' }] })).toEqual(['non_preferred_output[0].role: expected assistant']);
    expect(preferenceLineProblems({ ...line, input: { messages: [] } })).toEqual(['input.messages: expected a non-empty array']);
    expect(preferenceLineProblems({ ...line, input: { messages: [...line.input.messages, { role: 'assistant', content: 'hi' }] } })).toEqual(["input.messages: expected the last message to be the user's"]);
    expect(preferenceLineProblems({ ...line, non_preferred_output: line.preferred_output })).toEqual(['non_preferred_output: expected a different output from preferred_output']);
    expect(preferenceLineProblems([])).toEqual(['expected a JSON object']);
  });
});
