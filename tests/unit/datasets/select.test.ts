import { selectRules, selectTraces, traceDecision, type KeptSoFar } from '../../../lib/datasets/select';
import { critiquePrompt, FINAL_CHECK_PROMPT, formatStep, problemPrompt, STEP_SYSTEM_PROMPT } from '../../../lib/traces/prompts';
import type { TraceRecord } from '../../../lib/traces/record';

/** A two-step trace of `problemId` whose wording is its own (`words`); options for each drop reason. */
function trace(
  problemId: string,
  sampleIndex: number,
  o: { words?: string; correct?: boolean; flag?: 'unredone' | 'redone'; model?: string } = {},
): TraceRecord {
  const w = o.words ?? `${problemId} sample ${sampleIndex} says alpha${sampleIndex} beta${sampleIndex} gamma${sampleIndex}`;
  const messages: TraceRecord['messages'] = [
    { role: 'system', content: STEP_SYSTEM_PROMPT },
    { role: 'user', content: problemPrompt(`question ${problemId}`) },
    { role: 'assistant', content: formatStep(1, 'first', `we start: ${w}`), ...(o.flag === 'redone' ? { corrected: true } : {}) },
  ];
  const verifierFlags: TraceRecord['verifierFlags'] = [];
  if (o.flag) {
    verifierFlags.push({ messageIndex: 2, step: 1, reason: 'wrong' });
    messages.push({ role: 'user', content: critiquePrompt(1, 'wrong') });
    // Redone: the next turn starts with `Step 1:` again; unredone: the model moved on to step 2.
    messages.push({ role: 'assistant', content: o.flag === 'redone' ? formatStep(1, 'first again', `redo: ${w}`) : formatStep(2, 'moving on', `skip: ${w}`) });
  }
  messages.push({ role: 'user', content: FINAL_CHECK_PROMPT }, { role: 'assistant', content: '\\boxed{7}' });
  return {
    problemId,
    levelIndex: 0,
    model: o.model ?? 'student',
    messages,
    finalAnswer: '7',
    grade: { correct: o.correct ?? true, extracted: '7', reason: o.correct === false ? 'mismatch' : 'match', verifierVersion: 'v' },
    turns: messages.filter((m) => m.role === 'assistant').length,
    verifierFlags,
    usage: { promptTokens: 1, completionTokens: 1 },
    stopReason: 'final-answer',
    style: 'multi-turn',
    sampleIndex,
  };
}
const none = (): KeptSoFar => ({ shingles: [], count: 0 });
const chars = (t: TraceRecord) => t.messages.reduce((n, m) => n + m.content.length, 0);

describe('selectRules', () => {
  it('fills the defaults: cap 10, no length limit, near-duplicates dropped, unflagged required', () => {
    expect(selectRules()).toEqual({ perProblemCap: 10, dropNearDuplicates: true, requireUnflagged: true });
    expect(selectRules({ perProblemCap: 2, maxChars: 50, dropNearDuplicates: false, requireUnflagged: false })).toEqual({
      perProblemCap: 2,
      maxChars: 50,
      dropNearDuplicates: false,
      requireUnflagged: false,
    });
  });
});

describe('traceDecision: each reason to keep or drop a trace', () => {
  const rules = selectRules();

  it('keeps a correct, unflagged, short, new trace under the cap, with its shingles', () => {
    const d = traceDecision(trace('a', 0), none(), rules);
    expect(d.keep).toBe(true);
    expect(d.keep && d.shingles!.size).toBeGreaterThan(0);
    expect(traceDecision(trace('a', 0), none(), { ...rules, dropNearDuplicates: false })).toEqual({ keep: true });
  });

  it('incorrect: a wrong grade is dropped, whatever else holds', () => {
    expect(traceDecision(trace('a', 0, { correct: false }), none(), rules)).toEqual({ keep: false, reason: 'incorrect' });
    expect(traceDecision(trace('a', 0, { correct: false, flag: 'unredone' }), none(), rules)).toEqual({ keep: false, reason: 'incorrect' });
  });

  it('flagged: a flag whose step was never redone is dropped; a redone one is kept; not required, it is kept', () => {
    expect(traceDecision(trace('a', 0, { flag: 'unredone' }), none(), rules)).toEqual({ keep: false, reason: 'flagged' });
    expect(traceDecision(trace('a', 0, { flag: 'redone' }), none(), rules).keep).toBe(true);
    expect(traceDecision(trace('a', 0, { flag: 'unredone' }), none(), { ...rules, requireUnflagged: false }).keep).toBe(true);
  });

  it('tooLong: more characters than maxChars is dropped; exactly maxChars is kept; no limit by default', () => {
    const t = trace('a', 0);
    expect(traceDecision(t, none(), { ...rules, maxChars: chars(t) - 1 })).toEqual({ keep: false, reason: 'tooLong' });
    expect(traceDecision(t, none(), { ...rules, maxChars: chars(t) }).keep).toBe(true);
    expect(traceDecision(trace('a', 0, { words: 'long '.repeat(5000) }), none(), rules).keep).toBe(true);
  });

  it('nearDuplicate: final text like a kept trace of its problem is dropped (case and punctuation aside); off, it is kept', () => {
    const words = 'we add seven and five to get twelve then subtract five to get seven again as wanted';
    const first = traceDecision(trace('a', 0, { words }), none(), rules);
    if (!first.keep) throw new Error('first trace not kept');
    const kept: KeptSoFar = { shingles: [first.shingles!], count: 1 };
    const near = trace('a', 1, { words: words.replace('we add', 'We, add').replace('again', 'again!') });
    expect(traceDecision(near, kept, rules)).toEqual({ keep: false, reason: 'nearDuplicate' });
    expect(traceDecision(trace('a', 2, { words: 'a different derivation: twelve minus five equals seven by counting down' }), kept, rules).keep).toBe(true);
    expect(traceDecision(near, kept, { ...rules, dropNearDuplicates: false }).keep).toBe(true);
  });

  it('overCap: a problem that kept perProblemCap traces keeps no more', () => {
    const full: KeptSoFar = { shingles: [], count: 2 };
    expect(traceDecision(trace('a', 5), full, { ...rules, perProblemCap: 2 })).toEqual({ keep: false, reason: 'overCap' });
    expect(traceDecision(trace('a', 5), { shingles: [], count: 1 }, { ...rules, perProblemCap: 2 }).keep).toBe(true);
  });

  it('is pure: what the problem kept is not changed', () => {
    const kept: KeptSoFar = { shingles: [], count: 0 };
    traceDecision(trace('a', 0), kept, rules);
    expect(kept).toEqual({ shingles: [], count: 0 });
  });
});

describe('selectTraces', () => {
  it('counts each drop reason once, in order, and keeps the rest', () => {
    const traces = [
      trace('a', 0),
      trace('a', 1, { correct: false }),
      trace('a', 2, { flag: 'unredone' }),
      trace('a', 3, { words: 'long '.repeat(200) }),
      trace('a', 4, { words: trace('a', 0).messages[2]!.content.replace('Step 1: first\nwe start: ', '') }), // same text as sample 0
      trace('a', 5, { flag: 'redone' }),
      trace('a', 6),
    ];
    const s = selectTraces(traces, { perProblemCap: 2, maxChars: 1100 });
    expect(s.kept.map((t) => t.sampleIndex)).toEqual([0, 5]);
    expect(s.counts).toEqual({ input: 7, kept: 2, incorrect: 1, flagged: 1, stepCheck: 0, stepCheckBy: {}, tooLong: 1, nearDuplicate: 1, overCap: 1 });
  });

  it('only kept traces use the cap, and only kept traces of the same problem make a near-duplicate', () => {
    const same = 'we add seven and five to get twelve then subtract five to get seven again';
    const s = selectTraces([trace('a', 0, { correct: false }), trace('a', 1), trace('b', 0, { words: same }), trace('a', 2, { words: same })], { perProblemCap: 2 });
    expect(s.kept.map((t) => `${t.problemId}${t.sampleIndex}`)).toEqual(['a1', 'a2', 'b0']);
    expect(s.counts).toMatchObject({ kept: 3, incorrect: 1, nearDuplicate: 0, overCap: 0 });
  });

  it('considers each problem in (model, sampleIndex) order, whatever the input order', () => {
    const ts = [trace('b', 1), trace('a', 2, { model: 'm2' }), trace('a', 9, { model: 'm1' }), trace('a', 1, { model: 'm2' }), trace('b', 0)];
    const s = selectTraces(ts, { perProblemCap: 2 });
    expect(s.kept.map((t) => `${t.problemId}${t.model === 'student' ? '' : t.model}:${t.sampleIndex}`)).toEqual(['am1:9', 'am2:1', 'b:0', 'b:1']);
    expect(selectTraces([...ts].reverse(), { perProblemCap: 2 })).toEqual(s);
  });
});
