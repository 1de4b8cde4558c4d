import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCurriculum } from '../../../lib/curriculum';
import { UserError } from '../../../lib/errors';

const repo = path.resolve(__dirname, '../../..');
const bad = (name: string) => path.join(repo, 'tests/fixtures/bad-inputs', name);

async function loadError(file: string): Promise<UserError> {
  try {
    await loadCurriculum(file);
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error(`${file} loaded without error`);
}

function tmpCurriculum(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'curriculum-'));
  const file = path.join(dir, 'c.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('loadCurriculum: the shipped arithmetic curriculum', () => {
  it('has at least 6 levels, one shared skill, difficulty = level number, 60-120 problems each', async () => {
    const c = await loadCurriculum(path.join(repo, 'curricula/arithmetic.yaml'));
    expect(c.name).toBe('arithmetic');
    expect(c.answerType).toBe('number');
    expect(path.isAbsolute(c.path)).toBe(true);
    expect(c.levels.length).toBeGreaterThanOrEqual(6);
    c.levels.forEach((l, i) => {
      expect(l.index).toBe(i);
      expect(l.difficulty).toBe(i + 1);
      expect(l.skill).toBe('arithmetic');
      expect(l.problems.length).toBeGreaterThanOrEqual(60);
      expect(l.problems.length).toBeLessThanOrEqual(120);
      for (const p of l.problems) {
        expect(p).toMatchObject({ levelId: l.id, levelIndex: i, skill: 'arithmetic', difficulty: i + 1 });
        expect(p.answer).toMatch(/^-?\d+$/);
        expect(p.steps).toBeGreaterThanOrEqual(1);
      }
    });
    const ids = c.levels.flatMap((l) => l.problems.map((p) => p.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(c.warnings).toEqual([]);
  });

  it('answers are what the written expression evaluates to', async () => {
    const c = await loadCurriculum(path.join(repo, 'curricula/arithmetic.yaml'));
    for (const p of c.levels.flatMap((l) => l.problems)) {
      const expr = /^What is (.+)\?$/.exec(p.question)![1]!;
      expect(expr).toMatch(/^[\d+\-*/() ]+$/);
      // eslint-disable-next-line no-new-func
      const value = Function(`return (${expr});`)() as number;
      expect(String(value)).toBe(p.answer);
      expect(p.steps).toBe((expr.match(/ [+\-*/] /g) ?? []).length);
    }
  });
});

describe('loadCurriculum: bad inputs name file, line and field', () => {
  it('missing field', async () => {
    const err = await loadError(bad('curriculum-missing-skill.yaml'));
    expect(err.message).toMatch(/curriculum-missing-skill\.yaml:8 levels\[1\]\.skill: missing required field/);
    expect(err.exitCode).toBe(2);
  });

  it('bad generator option', async () => {
    const err = await loadError(bad('curriculum-bad-digits.yaml'));
    expect(err.message).toMatch(/curriculum-bad-digits\.yaml:9 levels\[0\]\.source\.digits: expected a positive integer/);
  });

  it('unknown generator lists the known ones', async () => {
    const err = await loadError(bad('curriculum-unknown-generator.yaml'));
    expect(err.message).toMatch(/curriculum-unknown-generator\.yaml:8 levels\[0\]\.source\.generator: unknown generator "calculus"; known generators: arithmetic/);
  });

  it('unknown field', async () => {
    const err = await loadError(bad('curriculum-unknown-field.yaml'));
    expect(err.message).toMatch(/:7 levels\[0\]\.difficulity: unknown field "difficulity"/);
  });

  it('invalid YAML', async () => {
    const err = await loadError(bad('curriculum-invalid-yaml.yaml'));
    expect(err.message).toMatch(/curriculum-invalid-yaml\.yaml:\d+: invalid YAML/);
  });

  it('missing file', async () => {
    const err = await loadError(bad('no-such-curriculum.yaml'));
    expect(err.message).toMatch(/no-such-curriculum\.yaml: no such file/);
  });

  it('a bad data row names file:line and field', async () => {
    const err = await loadError(bad('curriculum-bad-row.yaml'));
    expect(err.message).toMatch(/bad-row\.jsonl:3: field "a": expected a string/);
  });

  it('onInvalidRow: skip drops and counts bad rows (bad field and bad JSON)', async () => {
    const c = await loadCurriculum(bad('curriculum-bad-row-skip.yaml'));
    expect(c.levels[0]!.problems.map((p) => p.id)).toEqual(['p1', 'p2', 'p4', 'p5']);
    expect(c.levels[0]!.problems.find((p) => p.id === 'p4')!.answer).toBe('8'); // numbers become strings
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings![0]).toMatch(/bad-row\.jsonl: skipped 2 invalid row\(s\); first: .*bad-row\.jsonl:3: field "a"/);
  });

  it('an unset environment variable in a path is named', async () => {
    delete process.env.STRAWBERRY_TEST_SURELY_UNSET;
    const err = await loadError(bad('curriculum-env-unset.yaml'));
    expect(err.message).toMatch(/curriculum-env-unset\.yaml:8 levels\[0\]\.source\.path: environment variable STRAWBERRY_TEST_SURELY_UNSET is not set/);
  });

  it('format custom needs a field mapping', async () => {
    const err = await loadError(bad('curriculum-custom-no-fields.yaml'));
    expect(err.message).toMatch(/:7 levels\[0\]\.source\.fields: format custom needs/);
  });

  it('a filter that keeps nothing is an error at the source', async () => {
    const file = tmpCurriculum(
      `name: x\nanswerType: number\nlevels:\n  - id: a\n    skill: s\n    difficulty: 1\n    source:\n      path: ${bad('bad-row.jsonl')}\n      format: custom\n      onInvalidRow: skip\n      fields: { question: q, answer: a }\n      filter: { id: nope }\n`,
    );
    const err = await loadError(file);
    expect(err.message).toMatch(/c\.yaml:7 levels\[0\]\.source: this source gives the level no problems/);
  });

  it('options the generator cannot satisfy say so', async () => {
    const file = tmpCurriculum(
      `name: x\nanswerType: number\nlevels:\n  - id: a\n    skill: s\n    difficulty: 1\n    source: { generator: arithmetic, digits: 1, carries: avoid, count: 100 }\n`,
    );
    const err = await loadError(file);
    expect(err.message).toMatch(/levels\[0\]\.source\.count: these options give only \d+ distinct problems/);
  });
});

describe('loadCurriculum: paths', () => {
  it('expands ${VAR} and resolves relative to the curriculum file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'curriculum-'));
    writeFileSync(path.join(dir, 'rows.jsonl'), '{"q":"a?","a":"1"}\n{"q":"b?","a":"2"}\n');
    const file = path.join(dir, 'c.yaml');
    const yaml = (p: string) =>
      `name: x\nanswerType: number\nlevels:\n  - id: a\n    skill: s\n    difficulty: 1\n    source: { path: '${p}', format: custom, fields: { question: q, answer: a } }\n`;
    writeFileSync(file, yaml('rows.jsonl'));
    expect((await loadCurriculum(file)).levels[0]!.problems).toHaveLength(2);
    process.env.STRAWBERRY_TEST_DIR = dir;
    writeFileSync(file, yaml('${STRAWBERRY_TEST_DIR}/rows.jsonl'));
    expect((await loadCurriculum(file)).levels[0]!.problems).toHaveLength(2);
    delete process.env.STRAWBERRY_TEST_DIR;
    writeFileSync(file, yaml('${STRAWBERRY_TEST_DIR:-.}/rows.jsonl'));
    expect((await loadCurriculum(file)).levels[0]!.problems).toHaveLength(2);
  });
});
