import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetTooSmallError, selectTraces, writeDataset } from '../../../lib/datasets';
import { critiquePrompt, FINAL_CHECK_PROMPT, formatStep, NOT_YET, problemPrompt, STEP_SYSTEM_PROMPT } from '../../../lib/traces/prompts';
import type { TraceRecord } from '../../../lib/traces/record';
import { describeErrors, loadOpenAISchema } from '../../helpers/openapiSchemas';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'dataset-'));

/** A trace for `problemId`: steps with distinct wording per variant, optionally a corrected step. */
function trace(problemId: string, sampleIndex: number, o: { correct?: boolean; variant?: string; corrected?: boolean; flagUnresolved?: boolean } = {}): TraceRecord {
  const v = o.variant ?? `v${sampleIndex}`;
  const messages: TraceRecord['messages'] = [
    { role: 'system', content: STEP_SYSTEM_PROMPT },
    { role: 'user', content: problemPrompt(`What is 12 + ${problemId.length}? (${problemId})`) },
    { role: 'assistant', content: formatStep(1, `add the ones ${v}`, `first we look at ${v} and the ones digits give 2 plus ${v} more`), corrected: o.corrected },
  ];
  const flags: TraceRecord['verifierFlags'] = [];
  if (o.corrected) {
    flags.push({ messageIndex: 2, step: 1, reason: 'wrong sum' });
    messages.push({ role: 'user', content: critiquePrompt(1, 'wrong sum') });
    messages.push({ role: 'assistant', content: formatStep(1, `add the ones again ${v}`, `redo with ${v}: the ones digits give the right sum`) });
  }
  messages.push({ role: 'user', content: FINAL_CHECK_PROMPT });
  messages.push({ role: 'assistant', content: NOT_YET });
  messages.push({ role: 'user', content: 'Continue with the next step.' });
  messages.push({ role: 'assistant', content: formatStep(2, `add the tens ${v}`, `then tens for ${v} give the total 14 as wanted`) });
  messages.push({ role: 'user', content: FINAL_CHECK_PROMPT });
  messages.push({ role: 'assistant', content: '\\boxed{14}' });
  if (o.flagUnresolved) flags.push({ messageIndex: messages.length - 3, step: 2, reason: 'unsure' });
  return {
    problemId,
    levelIndex: 0,
    model: 'student-0',
    messages,
    finalAnswer: '14',
    grade: { correct: o.correct ?? true, extracted: '14', reason: o.correct === false ? 'mismatch' : 'match', verifierVersion: 'v1' },
    turns: messages.filter((m) => m.role === 'assistant').length,
    verifierFlags: flags,
    usage: { promptTokens: 100, completionTokens: 50 },
    stopReason: 'final-answer',
    style: 'multi-turn',
    sampleIndex,
  };
}

const many = (n: number, prefix = 'p') => Array.from({ length: n }, (_, i) => trace(`${prefix}${i}`, 0, { variant: `alpha${i} beta${i} gamma${i}` }));
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { messages: { role: string; content: string; weight?: number }[] });

describe('selectTraces', () => {
  it('keeps correct, resolved traces; drops incorrect, flagged, too long, near-duplicates, over cap', () => {
    const traces = [
      trace('a', 0, { variant: 'one' }),
      trace('a', 1, { variant: 'one' }), // exact duplicate text
      trace('a', 2, { correct: false, variant: 'two' }),
      trace('a', 3, { flagUnresolved: true, variant: 'three' }),
      trace('a', 4, { corrected: true, variant: 'four' }), // flag resolved by correction
      trace('a', 5, { variant: 'five' }),
      trace('a', 6, { variant: 'six' }),
    ];
    const s = selectTraces(traces, { perProblemCap: 2 });
    expect(s.kept.map((t) => t.sampleIndex)).toEqual([0, 4]);
    expect(s.counts).toEqual({ input: 7, kept: 2, incorrect: 1, flagged: 1, stepCheck: 0, stepCheckBy: {}, tooLong: 0, nearDuplicate: 1, overCap: 2 });

    const loose = selectTraces(traces, { perProblemCap: 10, requireUnflagged: false, dropNearDuplicates: false });
    expect(loose.kept).toHaveLength(6);

    const short = selectTraces(traces, { maxChars: 10 });
    expect(short.counts).toMatchObject({ incorrect: 1, flagged: 1, stepCheck: 0, stepCheckBy: {}, tooLong: 5, kept: 0 });
  });

  it('catches near-duplicates that differ in a word or two, and does not depend on input order', () => {
    const a = trace('a', 0, { variant: 'x' });
    const b = trace('a', 1, { variant: 'x' });
    b.messages[2] = { ...b.messages[2]!, content: b.messages[2]!.content.replace('first we look', 'First, we look') };
    expect(selectTraces([a, b]).counts.nearDuplicate).toBe(1);
    const shuffled = [trace('b', 1), trace('a', 2), trace('b', 0), trace('a', 1)];
    expect(selectTraces(shuffled).kept.map((t) => `${t.problemId}${t.sampleIndex}`)).toEqual(['a1', 'a2', 'b0', 'b1']);
  });
});

describe('writeDataset', () => {
  const schema = loadOpenAISchema('FineTuneChatRequestInput');

  it('writes multi-turn examples with weight 0 on corrected turns; every line fits the OpenAI schema', async () => {
    const dir = tmp();
    const traces = [...many(11), trace('c', 0, { corrected: true })];
    const ref = await writeDataset(traces, { out: path.join(dir, 'round-1/dataset.jsonl'), format: 'multi-turn', seed: 1 });
    expect(ref).toMatchObject({ count: 12, newCount: 12, replayCount: 0 });
    const text = readFileSync(ref.path, 'utf8');
    expect(ref.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(ref.bytes).toBe(Buffer.byteLength(text));
    expect(readdirSync(path.join(dir, 'round-1'))).toEqual(['dataset.jsonl']);
    for (const l of lines(ref.path)) {
      if (!schema(l)) throw new Error(describeErrors(schema));
      expect(l.messages.at(-1)!.role).toBe('assistant');
      for (const m of l.messages) expect(m.weight === undefined).toBe(m.role !== 'assistant');
    }
    const corrected = lines(ref.path).find((l) => l.messages.some((m) => m.content.includes('again')))!;
    const weights = corrected.messages.filter((m) => m.role === 'assistant').map((m) => m.weight);
    expect(weights).toEqual([0, 1, 1, 1, 1]);
  });

  it('gives a file URI that points back at the file, whatever characters the path holds', async () => {
    const out = path.join(tmp(), 'run #1 100%', 'dataset?.jsonl');
    const ref = await writeDataset(many(10), { out, format: 'multi-turn', seed: 1 });
    expect(fileURLToPath(ref.uri)).toBe(out);
  });

  it('flattened: system + first user + one assistant of the final steps (no corrected step, no NOT_YET)', async () => {
    const ref = await writeDataset([...many(10), trace('c', 0, { corrected: true, variant: 'zz' })], {
      out: path.join(tmp(), 'd.jsonl'),
      format: 'flattened',
      seed: 1,
    });
    const all = lines(ref.path);
    for (const l of all) {
      if (!schema(l)) throw new Error(describeErrors(schema));
      expect(l.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
      expect(l.messages[2]!.content).not.toContain(NOT_YET);
      expect(l.messages[2]!.content).toMatch(/^Step 1:[\s\S]*Step 2:[\s\S]*\\boxed\{14\}$/);
    }
    const c = all.find((l) => l.messages[1]!.content.includes('(c)'))!;
    expect(c.messages[2]!.content).toContain('add the ones again zz');
    expect(c.messages[2]!.content).not.toContain('Step 1: add the ones zz');
  });

  it('shuffles with the seed: same seed same bytes, other seed other order', async () => {
    const dir = tmp();
    const t = many(30);
    const a = await writeDataset(t, { out: path.join(dir, 'a.jsonl'), format: 'multi-turn', seed: 5 });
    const b = await writeDataset(t, { out: path.join(dir, 'b.jsonl'), format: 'multi-turn', seed: 5 });
    const c = await writeDataset(t, { out: path.join(dir, 'c.jsonl'), format: 'multi-turn', seed: 6 });
    expect(a.sha256).toBe(b.sha256);
    expect(c.sha256).not.toBe(a.sha256);
    expect(readFileSync(c.path, 'utf8').split('\n').sort()).toEqual(readFileSync(a.path, 'utf8').split('\n').sort());
    const order = lines(a.path).map((l) => l.messages[1]!.content);
    expect(order).not.toEqual([...order].sort());
  });

  it('replays a seeded fraction of earlier rounds’ lines', async () => {
    const dir = tmp();
    const r1 = await writeDataset(many(40, 'old'), { out: path.join(dir, 'r1.jsonl'), format: 'multi-turn', seed: 1 });
    const opts = { format: 'multi-turn' as const, seed: 2, replay: { files: [r1.path], fraction: 0.25 } };
    const r2 = await writeDataset(many(20, 'new'), { ...opts, out: path.join(dir, 'r2.jsonl') });
    expect(r2).toMatchObject({ newCount: 20, replayCount: 5, count: 25 });
    const old = new Set(readFileSync(r1.path, 'utf8').trim().split('\n'));
    const replayed = readFileSync(r2.path, 'utf8').trim().split('\n').filter((l) => old.has(l));
    expect(replayed).toHaveLength(5);
    const again = await writeDataset(many(20, 'new'), { ...opts, out: path.join(dir, 'r2b.jsonl') });
    expect(again.sha256).toBe(r2.sha256);
    // Asking for more than exists takes what there is.
    const big = await writeDataset(many(20, 'new'), { ...opts, replay: { files: [r1.path], fraction: 5 }, out: path.join(dir, 'r3.jsonl') });
    expect(big.replayCount).toBe(40);
  });

  it('bad replay lines name file:line', async () => {
    const dir = tmp();
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"messages":[]}\n{"nope":1}\n');
    await expect(writeDataset(many(10), { out: path.join(dir, 'x.jsonl'), format: 'multi-turn', seed: 1, replay: { files: [bad], fraction: 1 } })).rejects.toThrow(
      /bad\.jsonl:2: replay line has no "messages" array/,
    );
  });

  it('too few examples is a DatasetTooSmallError with the counts, and writes nothing', async () => {
    const dir = tmp();
    const err = await writeDataset(many(9), { out: path.join(dir, 'x.jsonl'), format: 'multi-turn', seed: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetTooSmallError);
    expect(err).toMatchObject({ count: 9, minExamples: 10 });
    expect(readdirSync(dir)).toEqual([]);
    await expect(writeDataset(many(3), { out: path.join(dir, 'y.jsonl'), format: 'multi-turn', seed: 1, minExamples: 3 })).resolves.toMatchObject({ count: 3 });
  });
});
