import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasStackTrace, runCli } from '../helpers/cli';
import { answersEquivalent } from '../../lib/grading';

const dir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-check-answers-'));
const pairs = [
  { id: 'half', gold: '\\frac{1}{2}', pred: '0.5' },
  { gold: '(1, 2)', pred: 'The answer is $\\boxed{(2,1)}$.' },
  { id: 7, gold: '10', pred: '' },
  { id: 'bad-gold', gold: '\\frac{1}{', pred: '3' },
];
const input = path.join(dir, 'pairs.jsonl');
writeFileSync(input, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');

describe('strawberry check-answers', () => {
  it('prints {id, equivalent, reason} per line, exactly as answersEquivalent decides, and a summary on stderr', () => {
    const res = runCli(['check-answers', '--in', input]);
    expect(res.status).toBe(0);
    const out = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toEqual([
      { id: 'half', equivalent: true, reason: 'match' },
      { id: '2', equivalent: false, reason: 'mismatch' },
      { id: '7', equivalent: false, reason: 'no-answer' },
      { id: 'bad-gold', equivalent: false, reason: 'unparseable-gold' },
    ]);
    pairs.forEach((p, i) => expect(out[i].reason).toBe(answersEquivalent(p.gold, p.pred).reason));
    expect(res.stderr).toMatch(/4 pairs, 1 equivalent, 3 not/);
    expect(res.stderr).toMatch(/no-answer 1/);
  });

  it('--out writes the file and nothing on stdout; --answer-type number is honoured', () => {
    const out = path.join(dir, 'results.jsonl');
    const numIn = path.join(dir, 'numbers.jsonl');
    writeFileSync(numIn, JSON.stringify({ id: 'n', gold: '1,000', pred: '$1000.00' }) + '\n' + JSON.stringify({ id: 'x', gold: '5', pred: 'x+1' }) + '\n');
    const res = runCli(['check-answers', '--in', numIn, '--out', out, '--answer-type', 'number']);
    expect(res.status).toBe(0);
    expect(res.stdout).toBe('');
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { id: 'n', equivalent: true, reason: 'match' },
      { id: 'x', equivalent: false, reason: 'mismatch' },
    ]);
  });

  it('a bad line exits 2 naming file:line and the field, without a stack trace or an output file', () => {
    const bad = path.join(dir, 'bad.jsonl');
    const out = path.join(dir, 'never.jsonl');
    writeFileSync(bad, JSON.stringify({ gold: '1', pred: '1' }) + '\n' + JSON.stringify({ gold: '1' }) + '\n');
    const res = runCli(['check-answers', '--in', bad, '--out', out]);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(`${bad}:2: field "pred" must be a string`);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(existsSync(out)).toBe(false);

    writeFileSync(bad, '{"gold": "1", "pred": \n');
    const res2 = runCli(['check-answers', '--in', bad]);
    expect(res2.status).toBe(2);
    expect(res2.stderr).toContain(`${bad}:1: not valid JSON`);
  });

  it('--out into a missing directory creates it; --out that cannot be written is exit 2 without a stack trace', () => {
    const nested = path.join(dir, 'made', 'here', 'results.jsonl');
    expect(runCli(['check-answers', '--in', input, '--out', nested]).status).toBe(0);
    expect(readFileSync(nested, 'utf8').trim().split('\n')).toHaveLength(readFileSync(input, 'utf8').trim().split('\n').length);

    const underAFile = path.join(input, 'results.jsonl');
    const res = runCli(['check-answers', '--in', input, '--out', underAFile]);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/--out .*results\.jsonl: cannot write \((ENOTDIR|EEXIST)\)/);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });

  it('honours per-line params (precision, strict, allow_set_relation_comp) and the same as flags; a line wins over a flag', () => {
    const file = path.join(dir, 'params.jsonl');
    const rows = [
      { id: 'p3', gold: '\\frac{2}{7}', pred: '0.286', params: { precision: 3 } },
      { id: 'p6', gold: '\\frac{2}{7}', pred: '0.286' },
      { id: 'fy', gold: 'g(s) = 3s + 2', pred: 'g(u) = 3u + 2', params: { strict: false } },
      { id: 'fy-strict', gold: 'g(s) = 3s + 2', pred: 'g(u) = 3u + 2' },
      { id: 'set-rel', gold: 't \\in [1, 4]', pred: '1 \\le t \\le 4', params: { allow_set_relation_comp: true } },
      { id: 'set-rel-off', gold: 't \\in [1, 4]', pred: '1 \\le t \\le 4', params: { allow_set_relation_comp: false } },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const verdicts = (args: string[]) => {
      const res = runCli(['check-answers', '--in', file, ...args]);
      expect(res.status).toBe(0);
      return Object.fromEntries(res.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((o: { id: string; equivalent: boolean }) => [o.id, o.equivalent]));
    };
    expect(verdicts([])).toEqual({ p3: true, p6: false, fy: true, 'fy-strict': false, 'set-rel': true, 'set-rel-off': false });
    // flags set the default of lines without that param; a line's own param still wins
    expect(verdicts(['--precision', '3', '--no-strict', '--allow-set-relation-comp'])).toEqual({
      p3: true, p6: true, fy: true, 'fy-strict': true, 'set-rel': true, 'set-rel-off': false,
    });
  });

  it('a bad params field exits 2 naming file:line and the field', () => {
    const bad = path.join(dir, 'bad-params.jsonl');
    writeFileSync(bad, JSON.stringify({ gold: '1', pred: '1' }) + '\n' + JSON.stringify({ gold: '1', pred: '1', params: { precision: 'six' } }) + '\n');
    const res = runCli(['check-answers', '--in', bad]);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain(`${bad}:2: field "params.precision" must be an integer from 0 to 15`);
    expect(hasStackTrace(res.stderr)).toBe(false);
    writeFileSync(bad, JSON.stringify({ gold: '1', pred: '1', params: { strict: 'no' } }) + '\n');
    expect(runCli(['check-answers', '--in', bad]).stderr).toContain(`${bad}:1: field "params.strict" must be true or false`);
    expect(runCli(['check-answers', '--in', input, '--precision', 'x']).status).toBe(2);
  });

  it('rejects an unknown --answer-type and a missing input file with exit 2', () => {
    expect(runCli(['check-answers', '--in', input, '--answer-type', 'words']).status).toBe(2);
    const res = runCli(['check-answers', '--in', path.join(dir, 'nope.jsonl')]);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/nope\.jsonl: cannot read/);
  });
});
