import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectTraces } from '../../../lib/datasets/select';
import { UserError } from '../../../lib/errors';
import { finalCheckText, roundsWithTraces, roundTraces, verdictText } from '../../../lib/report/traces';
import { DirectoryRunStore } from '../../../lib/store';
import { fixtureTrace } from './traceFixture';

/**
 * lib/report/traces.ts reads a round's graded traces from the run store and recomputes the dataset's decision
 * on each with the round's config: the decisions must agree with what `selectTraces` kept and counted.
 */
function freshStore(): DirectoryRunStore {
  return new DirectoryRunStore(mkdtempSync(path.join(os.tmpdir(), 'strawberry-report-traces-')));
}

const pairs = { pairsPerProblem: 4, distinctAnswers: true, maxLengthRatio: 1.5, dropNearDuplicates: true, minPairs: 1 };
const configOf = (method: string) => ({ name: 'c', providers: { sim: {} }, student: { provider: 'sim' }, fineTune: { method }, dataset: { perProblemCap: 2, dropNearDuplicates: true, pairs } });

const traces = [
  fixtureTrace('p1', 0),
  fixtureTrace('p1', 1),
  fixtureTrace('p1', 2), // over the cap of 2
  fixtureTrace('p1', 3, { correct: false, answer: '8' }),
  fixtureTrace('p2', 0, { unredoneFlag: true }),
  fixtureTrace('p2', 1, { words: 'same words here for both samples of p2' }),
  fixtureTrace('p2', 2, { words: 'same words here for both samples of p2' }), // near-duplicate of sample 1
];

async function campaign(method = 'sft'): Promise<DirectoryRunStore> {
  const store = freshStore();
  await store.writeJsonAtomic('c/config.json', configOf(method));
  // Shuffled on disk: the decision must not depend on the file's order.
  await store.writeJsonl('c/round-1/verified.jsonl', [...traces].reverse());
  await store.writeJsonl('c/round-3/verified.jsonl', traces.slice(0, 1));
  return store;
}

describe('roundTraces', () => {
  it('gives every trace its decision in words, in the order the dataset judged them', async () => {
    const r = await roundTraces(await campaign(), 'c', 1);
    expect(r.method).toBe('sft');
    expect(r.rows.map((t) => `${t.problemId}/${t.sampleIndex} ${t.verdict.code ?? 'kept'}`)).toEqual([
      'p1/0 kept',
      'p1/1 kept',
      'p1/2 overCap',
      'p1/3 incorrect',
      'p2/0 flagged',
      'p2/1 kept',
      'p2/2 nearDuplicate',
    ]);
    const why = Object.fromEntries(r.rows.map((t) => [`${t.problemId}/${t.sampleIndex}`, verdictText(t.verdict)]));
    expect(why['p1/0']).toBe('kept: correct, every verifier flag resolved');
    expect(why['p1/2']).toBe('dropped: over the cap: this problem already kept dataset.perProblemCap (2) traces');
    expect(why['p1/3']).toBe('dropped: incorrect: answered "8", which does not match');
    expect(why['p2/0']).toBe('dropped: verifier flagged step 1 and it was never redone');
    expect(why['p2/2']).toBe('dropped: near-duplicate of a trace already kept for this problem');
  });

  it('agrees with selectTraces under the same options', async () => {
    const r = await roundTraces(await campaign(), 'c', 1);
    const s = selectTraces(traces, { perProblemCap: 2, dropNearDuplicates: true });
    expect(r.rows.filter((t) => t.verdict.kept).map((t) => `${t.problemId}/${t.sampleIndex}`)).toEqual(s.kept.map((t) => `${t.problemId}/${t.sampleIndex}`));
    for (const reason of ['incorrect', 'flagged', 'tooLong', 'nearDuplicate', 'overCap'] as const) {
      expect({ reason, n: r.rows.filter((t) => t.verdict.code === reason).length }).toEqual({ reason, n: s.counts[reason] });
    }
  });

  it('shows the flags, whether each was redone, and the final check', async () => {
    const r = await roundTraces(await campaign(), 'c', 1);
    const flagged = r.rows.find((t) => t.verdict.code === 'flagged')!;
    expect(flagged.flags).toEqual([{ messageIndex: 2, step: 1, reason: 'the sum is wrong', redone: false }]);
    expect(flagged.finalCheck).toEqual({ asked: 2, answer: '7', stopReason: 'final-answer' });
    expect(finalCheckText(flagged.finalCheck)).toBe('asked 2 times; answered 7; stopped: final-answer');
  });

  it('with fineTune.method dpo, kept means used in a preference pair', async () => {
    const r = await roundTraces(await campaign('dpo'), 'c', 1);
    const p1 = r.rows.filter((t) => t.problemId === 'p1');
    expect(p1.find((t) => t.sampleIndex === 3)!.verdict).toEqual({ kept: true, why: 'the non-preferred side of a preference pair' });
    expect(p1.filter((t) => t.verdict.why === 'the preferred side of a preference pair')).toHaveLength(1);
    // p2 has no incorrect trace: nothing to contrast, so none of its traces is used.
    expect(r.rows.filter((t) => t.problemId === 'p2').every((t) => t.verdict.code === 'notPaired')).toBe(true);
  });

  it('lists the rounds that have traces, and refuses one that has none', async () => {
    const store = await campaign();
    expect(await roundsWithTraces(store, 'c')).toEqual([1, 3]);
    await expect(roundTraces(store, 'c', 2)).rejects.toThrow(UserError);
    await expect(roundTraces(store, 'c', 2)).rejects.toThrow(/no graded traces for round 2/);
  });
});
