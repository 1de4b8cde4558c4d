import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contaminationNote, dropContaminated, STANDARD_EVAL_SETS } from '../../../activities/contamination';
import type { TraceRecord } from '../../../lib/traces';

/**
 * The dataset builder's contamination check (issue 25) against the real GSM8K test split (../shared/data): a
 * training curriculum that carries a test problem, copied and reworded at the end, loses that problem's
 * traces; its other problems keep theirs; a set whose data is missing is reported, not silently skipped.
 */
const dataDir = path.resolve(__dirname, '../../../../shared/data');
const testRows = readFileSync(path.join(dataDir, 'gsm8k/test.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { question: string; answer: string });
const trainRows = readFileSync(path.join(dataDir, 'gsm8k/train.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 5).map((l) => JSON.parse(l) as { question: string; answer: string });

function trainingCurriculum(rows: { id: string; question: string; answer: string }[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-contamination-'));
  writeFileSync(path.join(dir, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const file = path.join(dir, 'train.yaml');
  writeFileSync(file, `name: contaminated-train\nanswerType: number\nheldOutFraction: 0\nseed: 0\nlevels:\n  - id: l1\n    skill: word-problems\n    difficulty: 1\n    source: { path: train.jsonl, format: custom, fields: { question: question, answer: answer, id: id } }\n`);
  return file;
}

const trace = (problemId: string, sampleIndex: number): TraceRecord => ({
  problemId,
  levelIndex: 0,
  model: 'm',
  messages: [],
  grade: { correct: true, reason: 'match', verifierVersion: 'v' },
  turns: 1,
  verifierFlags: [],
  usage: { promptTokens: 0, completionTokens: 0 },
  stopReason: 'final-answer',
  style: 'cot',
  sampleIndex,
});

describe('dropContaminated (the dataset builder against eval-only sets)', () => {
  const answer = (a: string) => a.split('####').pop()!.trim();
  const copied = testRows[7]!;
  const rows = [
    ...trainRows.map((r, i) => ({ id: `train-${i}`, question: r.question, answer: answer(r.answer) })),
    { id: 'copied', question: copied.question, answer: answer(copied.answer) },
    { id: 'reworded', question: `${testRows[11]!.question} Give the answer as a whole number.`, answer: answer(testRows[11]!.answer) },
  ];
  const file = trainingCurriculum(rows);

  it('drops every trace of a test problem in the training set, also one with a sentence added, and keeps the rest', async () => {
    const traces = rows.flatMap((r) => [trace(r.id, 0), trace(r.id, 1)]);
    const out = await dropContaminated(traces, file, STANDARD_EVAL_SETS);
    expect(out.dropped).toBe(4);
    expect(out.traces.map((t) => t.problemId)).toEqual(traces.slice(0, 10).map((t) => t.problemId));
    expect(out.report.matches.map((m) => [m.problemId, m.set, m.id])).toEqual([
      ['copied', 'gsm8k-test', expect.any(String)],
      ['reworded', 'gsm8k-test', expect.any(String)],
    ]);
    expect(out.report.checked).toEqual([
      { set: 'gsm8k-test', problems: testRows.length },
      { set: 'math500', problems: 500 },
    ]);
    expect(contaminationNote(out.report, out.dropped)).toBe('; contamination: 4 traces of 2 problems dropped as duplicates of gsm8k-test');
  });

  it('says which eval set it could not read instead of skipping it silently', async () => {
    const missing = path.join(path.dirname(file), 'missing-test.yaml');
    writeFileSync(missing, 'name: missing-test\nanswerType: number\nevalOnly: true\nseed: 0\nlevels:\n  - id: t\n    skill: s\n    difficulty: 1\n    source: { path: nowhere.jsonl, format: gsm8k }\n');
    const out = await dropContaminated([trace('train-0', 0)], file, [missing]);
    expect(out.dropped).toBe(0);
    expect(out.report.checked).toEqual([]);
    expect(out.report.unavailable).toEqual([{ set: 'missing-test', reason: expect.stringMatching(/nowhere\.jsonl/) }]);
    expect(contaminationNote(out.report, 0)).toMatch(/^; contamination: not checked against missing-test \(.*nowhere\.jsonl/);
  });
});
