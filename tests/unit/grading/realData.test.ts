import * as fs from 'node:fs';
import * as path from 'node:path';
import { answersEquivalent, extractFinalAnswer, gradeAnswer } from '../../../lib/grading';

const DATA = path.resolve(__dirname, '../../../../shared/data');
const MATH = path.join(DATA, 'math/train.jsonl');
const GSM8K = path.join(DATA, 'gsm8k/train.jsonl');

function readJsonl<T>(file: string): T[] {
  if (!fs.existsSync(file)) throw new Error(`missing data file ${file} (see shared/data/SOURCES.md)`);
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

describe('MATH train answers (all 12,000)', () => {
  const rows = readJsonl<{ answer: string; solution: string; unique_id: string }>(MATH);

  it('has all rows', () => {
    expect(rows).toHaveLength(12000);
  });

  it('every answer is equivalent to itself and to the last \\boxed{} of its solution', () => {
    const failures: string[] = [];
    const empty: string[] = [];
    for (const r of rows) {
      if (r.answer.trim() === '') {
        // two upstream rows box nothing (`\boxed{}`): fail closed, never "correct"
        empty.push(r.unique_id);
        expect(answersEquivalent(r.answer, r.answer).equivalent).toBe(false);
        continue;
      }
      const boxed = extractFinalAnswer(r.solution);
      const self = answersEquivalent(r.answer, r.answer);
      const own = boxed === undefined ? undefined : answersEquivalent(r.answer, boxed);
      const graded = gradeAnswer(r.solution, r.answer, 'latex');
      if (!self.equivalent || !own?.equivalent || !graded.correct) failures.push(`${r.unique_id}: ${JSON.stringify(r.answer)} vs ${JSON.stringify(boxed)}`);
    }
    expect(failures).toEqual([]);
    expect(empty).toEqual(['train/number_theory/7115.json', 'train/number_theory/7117.json']);
  });
});

describe('GSM8K train answers (all 7,473)', () => {
  const rows = readJsonl<{ question: string; answer: string }>(GSM8K);

  it('has all rows', () => {
    expect(rows).toHaveLength(7473);
  });

  it('every worked solution grades correct against its own #### N, and wrong against N+1', () => {
    const failures: string[] = [];
    for (const [i, r] of rows.entries()) {
      const m = /####\s*(.+)\s*$/.exec(r.answer);
      if (!m) {
        failures.push(`line ${i + 1}: no #### N`);
        continue;
      }
      const gold = m[1]!.trim();
      const g = gradeAnswer(r.answer, gold, 'number');
      const wrong = gradeAnswer(r.answer, String(Number(gold.replace(/,/g, '')) + 1), 'number');
      if (!g.correct || g.reason !== 'match' || wrong.correct || wrong.reason !== 'mismatch') failures.push(`line ${i + 1}: ${gold} -> ${g.reason}/${wrong.reason}`);
    }
    expect(failures).toEqual([]);
  });
});
