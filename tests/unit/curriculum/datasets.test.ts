import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { lastBoxed, loadCurriculum } from '../../../lib/curriculum';
import { parseGsm8kRow, parseMathRow, RowError } from '../../../lib/curriculum/sources/rowFormats';

/** The real public data sets; missing data is a failure, not a skip. */
const DATA = path.resolve(__dirname, '../../../../shared/data');
const repo = path.resolve(__dirname, '../../..');

beforeAll(() => {
  for (const f of ['gsm8k/train.jsonl', 'math/train.jsonl'])
    if (!existsSync(path.join(DATA, f))) throw new Error(`test data missing: ${path.join(DATA, f)} (see /work/shared/data/SOURCES.md)`);
  process.env.STRAWBERRY_DATA = DATA;
});

describe('GSM8K', () => {
  it('parses answers after ####, steps from <<...>> annotations', () => {
    const row = parseGsm8kRow({ question: 'q', answer: 'a <<1+1=2>> b <<2*3=6>>\n#### 1,234' });
    expect(row).toMatchObject({ answer: '1234', steps: 2 });
    expect(parseGsm8kRow({ question: 'q', answer: 'line one\nline two\nline three\n#### 5' }).steps).toBe(3);
    expect(() => parseGsm8kRow({ question: 'q', answer: 'no final' })).toThrow(RowError);
    expect(() => parseGsm8kRow({ question: 'q', answer: 'x\n#### 5' })).not.toThrow();
  });

  it('loads curricula/gsm8k.yaml from the real file: every row in one level, levels by steps', async () => {
    const c = await loadCurriculum(path.join(repo, 'curricula/gsm8k.yaml'));
    const total = c.levels.reduce((n, l) => n + l.problems.length, 0);
    const lines = readFileSync(path.join(DATA, 'gsm8k/train.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    // Duplicate questions in the file are dropped (and reported) so ids stay unique.
    expect(total + dupCount(c.warnings ?? [])).toBe(lines);
    expect(c.levels[0]!.problems.every((p) => p.steps <= 2)).toBe(true);
    expect(c.levels[1]!.problems.every((p) => p.steps === 3)).toBe(true);
    expect(c.levels.at(-1)!.problems.every((p) => p.steps >= 7)).toBe(true);
    const natalia = c.levels[0]!.problems.find((p) => p.question.startsWith('Natalia sold clips'))!;
    expect(natalia).toMatchObject({ answer: '72', steps: 2 });
    for (const p of c.levels.flatMap((l) => l.problems)) expect(p.answer).toMatch(/^-?\d+(\.\d+)?$/);
    const held = c.levels[0]!.problems.filter((p) => p.heldOut).length;
    expect(held).toBe(Math.round(c.levels[0]!.problems.length * 0.2));
  });
});

function dupCount(warnings: string[]): number {
  return warnings.reduce((n, w) => n + Number(/dropped (\d+) problem/.exec(w)?.[1] ?? 0), 0);
}

describe('MATH', () => {
  const rows = () =>
    readFileSync(path.join(DATA, 'math/train.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('extracts the answer from the last \\boxed{} of every solution when `answer` is absent', () => {
    let checked = 0;
    for (const r of rows()) {
      const { answer, ...withoutAnswer } = r;
      if (answer === '') {
        // two upstream rows have an empty \boxed{}: a row error, not an empty answer
        expect(() => parseMathRow(withoutAnswer)).toThrow(/no \\boxed/);
        continue;
      }
      expect(parseMathRow(withoutAnswer).answer).toBe(String(answer).trim());
      checked++;
    }
    expect(checked).toBe(11998);
  });

  it('lastBoxed matches braces and takes the last box', () => {
    expect(lastBoxed('so $\\boxed{\\frac{1}{2}}$ and')).toBe('\\frac{1}{2}');
    expect(lastBoxed('\\boxed{1} then \\boxed{\\{2, 3\\}}')).toBe('\\{2, 3\\}');
    expect(lastBoxed('\\fbox{x^{2}}')).toBe('x^{2}');
    expect(lastBoxed('$\\boxed 5$')).toBe('5');
    expect(lastBoxed('\\boxed{unclosed')).toBeUndefined();
    expect(lastBoxed('nothing')).toBeUndefined();
  });

  it('loads curricula/math.yaml: levels 1-5, skills = subjects, latex answers, 2 bad rows skipped', async () => {
    const c = await loadCurriculum(path.join(repo, 'curricula/math.yaml'));
    expect(c.answerType).toBe('latex');
    expect(c.levels.map((l) => l.problems.length)).toEqual([958, 2152, 2618, 2776, 3494 - 2]);
    expect(c.levels.map((l) => l.difficulty)).toEqual([1, 2, 3, 4, 5]);
    const subjects = new Set(c.levels.flatMap((l) => l.problems.map((p) => p.skill)));
    expect([...subjects].sort()).toEqual(
      ['Algebra', 'Counting & Probability', 'Geometry', 'Intermediate Algebra', 'Number Theory', 'Prealgebra', 'Precalculus'].sort(),
    );
    expect(c.levels[0]!.problems[0]!.id).toMatch(/^(train|test)\/.+\.json$/);
    expect(c.warnings!.join('\n')).toMatch(/math\/train\.jsonl: skipped 2 invalid row\(s\); first: .*train\.jsonl:5530: field "answer"/);
  });
});
