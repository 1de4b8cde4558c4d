/**
 * Runs Math-Verify (python/mathverify_batch.py in the project venv) over a batch of pairs in one process:
 * JSONL on stdin, one verdict per line on stdout. Throws a clear error when the venv or the package is
 * missing (the test must fail, never skip, without its reference).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../../..');
export const VENV_PYTHON = path.join(REPO, '.strawberry/venv/bin/python');
const SCRIPT = path.join(REPO, 'python/mathverify_batch.py');
const INSTALL = 'python3 -m venv .strawberry/venv && .strawberry/venv/bin/pip install -r python/requirements.txt (or .ci/run)';

export interface MvPair {
  id: string;
  gold: string;
  pred: string;
  params?: Record<string, unknown>;
}
export interface MvVerdict {
  id: string;
  equivalent: boolean;
  error: string | null;
}

export function mathVerifyAvailable(): string | undefined {
  if (!fs.existsSync(VENV_PYTHON)) return `no Python venv at ${VENV_PYTHON}; create it with: ${INSTALL}`;
  const r = spawnSync(VENV_PYTHON, ['-c', 'import math_verify'], { encoding: 'utf8' });
  if (r.status !== 0) return `math_verify is not installed in ${VENV_PYTHON} (${(r.stderr || '').trim().split('\n').pop()}); install it with: ${INSTALL}`;
  return undefined;
}

export function runMathVerify(pairs: MvPair[]): Map<string, MvVerdict> {
  const missing = mathVerifyAvailable();
  if (missing) throw new Error(missing);
  const input = pairs.map((p) => JSON.stringify(p)).join('\n') + '\n';
  const r = spawnSync(VENV_PYTHON, [SCRIPT], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 900_000 });
  if (r.status !== 0) throw new Error(`python/mathverify_batch.py exited ${r.status ?? r.signal}: ${(r.stderr || '').slice(-2000)}`);
  const out = new Map<string, MvVerdict>();
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const v = JSON.parse(line) as MvVerdict;
    out.set(v.id, v);
  }
  if (out.size !== new Set(pairs.map((p) => p.id)).size) throw new Error(`Math-Verify answered ${out.size} of ${pairs.length} pairs`);
  return out;
}
