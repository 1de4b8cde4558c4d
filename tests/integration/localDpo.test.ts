import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectPython, pythonEnv } from '../../lib/providers/local';
import { repoRoot } from '../helpers/campaignHarness';
import { describeUnless } from '../helpers/skip';
import { testPythonMissing } from '../helpers/testPython';

/**
 * DPO in the CPU reference backend (issue 24): the loss on hand-computed cases (python/tests/test_dpo.py),
 * and on the real tiny model the preferred-minus-non-preferred log-probability margin rises over training
 * while the reference (the parent checkpoint) stays as it was.
 */
const describeLocal = describeUnless(testPythonMissing());
const SMALL = ['--d-model', '32', '--n-layers', '2', '--n-heads', '2', '--d-ff', '64'];

function py(args: string[], cwd = repoRoot): string {
  const r = spawnSync(projectPython(), args, { cwd, env: pythonEnv(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout + r.stderr;
}
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describeLocal('DPO on the local JAX model', () => {
  it('the loss, its value and gradient signs on hand-computed cases', () => {
    expect(py(['-m', 'unittest', 'discover', '-s', 'python/tests', '-p', 'test_dpo.py'])).toMatch(/OK/);
  }, 120_000);

  it('on the real model the margin rises, the reference stays frozen, and a bad file is refused with its line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-dpo-'));
    const base = path.join(dir, 'base.jsonl');
    py(['-m', 'strawberry_local.sortsteps', 'base-data', '--curriculum-dir', 'curricula/sortsteps', '--levels', '1', '--count', '200', '--out', base]);
    py(['-m', 'strawberry_local.train', '--train-file', base, '--output-dir', path.join(dir, 'parent'), '--seed', '0', '--epochs', '4', ...SMALL]);
    // Preferred: the solved example; non-preferred: the same answer with two neighbouring digits swapped.
    const lines = readFileSync(base, 'utf8').trim().split('\n').map((l, i) => {
      const { messages } = JSON.parse(l) as { messages: { role: string; content: string }[] };
      const good = messages[1]!.content;
      const answer = /\\boxed\{(\d+)\}/.exec(good)![1]!;
      const k = i % (answer.length - 1);
      const bad = answer.slice(0, k) + answer[k + 1] + answer[k] + answer.slice(k + 2);
      return JSON.stringify({ input: { messages: [messages[0]] }, preferred_output: [{ role: 'assistant', content: good }], non_preferred_output: [{ role: 'assistant', content: `${bad}\n\\boxed{${bad}}` }] });
    });
    const pairs = path.join(dir, 'pairs.jsonl');
    writeFileSync(pairs, `${lines.join('\n')}\n`);
    const parentParams = path.join(dir, 'parent', 'params.msgpack');
    const before = sha(parentParams);
    py(['-m', 'strawberry_local.train', '--method', 'dpo', '--beta', '0.1', '--train-file', pairs, '--parent', path.join(dir, 'parent'), '--output-dir', path.join(dir, 'dpo'), '--seed', '0', '--epochs', '2']);
    const metrics = JSON.parse(readFileSync(path.join(dir, 'dpo', 'train_metrics.json'), 'utf8')) as { margin_before: number; margin_after: number; method: string };
    expect(metrics.method).toBe('dpo');
    expect(metrics.margin_after).toBeGreaterThan(metrics.margin_before + 0.5);
    expect(sha(parentParams)).toBe(before);

    writeFileSync(path.join(dir, 'bad.jsonl'), `${lines[0]}\n{"input": {"messages": [{"role": "user", "content": "q"}]}, "preferred_output": []}\n`);
    const bad = spawnSync(projectPython(), ['-m', 'strawberry_local.train', '--method', 'dpo', '--train-file', path.join(dir, 'bad.jsonl'), '--parent', path.join(dir, 'parent'), '--output-dir', path.join(dir, 'x')], { env: pythonEnv(), encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('bad.jsonl:2: preferred_output: expected exactly one assistant message');
    const noParent = spawnSync(projectPython(), ['-m', 'strawberry_local.train', '--method', 'dpo', '--train-file', pairs, '--output-dir', path.join(dir, 'y')], { env: pythonEnv(), encoding: 'utf8' });
    expect(noParent.status).toBe(2);
    expect(noParent.stderr).toContain('--method dpo needs --parent');
  }, 600_000);
});
