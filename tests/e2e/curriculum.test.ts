import { spawnSync } from 'node:child_process';
import path from 'node:path';

const repo = path.resolve(__dirname, '../..');

function strawberry(...args: string[]) {
  const env = { ...process.env };
  delete env.STRAWBERRY_DATA;
  const r = spawnSync(process.execPath, ['bin/strawberry.js', ...args], { cwd: repo, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at /m);

describe('strawberry curriculum show / validate', () => {
  it('shows the arithmetic curriculum', () => {
    const r = strawberry('curriculum', 'show', 'curricula/arithmetic.yaml');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/curriculum: arithmetic/);
    expect(r.stdout).toMatch(/answer type: number/);
    expect(r.stdout).toMatch(/level\s+skill\s+difficulty\s+problems\s+held-out\s+trainable/);
    expect(r.stdout).toMatch(/add-1digit\s+arithmetic\s+1\s+60\s+12\s+48/);
  });

  it('validates a good curriculum', () => {
    const r = strawberry('validate', 'curricula/arithmetic.yaml');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: curricula\/arithmetic\.yaml \(curriculum "arithmetic": 7 levels/);
  });

  it.each([
    ['curriculum-bad-digits.yaml', /curriculum-bad-digits\.yaml:9 levels\[0\]\.source\.digits: expected a positive integer/],
    ['curriculum-missing-skill.yaml', /curriculum-missing-skill\.yaml:8 levels\[1\]\.skill: missing required field/],
    ['curriculum-unknown-generator.yaml', /:8 levels\[0\]\.source\.generator: unknown generator "calculus"/],
    ['curriculum-bad-row.yaml', /bad-row\.jsonl:3: field "a": expected a string/],
  ])('a bad curriculum (%s) exits 2 with file, line and field, no stack trace', (file, message) => {
    for (const cmd of [['curriculum', 'show'], ['validate']]) {
      const r = strawberry(...cmd, `tests/fixtures/bad-inputs/${file}`);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      noStack(r.stderr);
    }
  });

  it('an unset data variable is named (exit 2)', () => {
    const r = strawberry('validate', 'curricula/gsm8k.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/curricula\/gsm8k\.yaml:\d+ levels\[0\]\.source\.path: environment variable STRAWBERRY_DATA is not set/);
    noStack(r.stderr);
  });

  it('skipped rows are warnings on stderr', () => {
    const r = strawberry('curriculum', 'show', 'tests/fixtures/bad-inputs/curriculum-bad-row-skip.yaml');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*skipped 2 invalid row/);
  });
});
