import { spawn } from 'node:child_process';
import { UserError } from '../errors';
import { failAt, type StepCheckInput, type StepChecker, type StepFailure } from './types';

/**
 * A user's own step checker: a program (argv, no shell) that reads one trace as JSON on stdin
 *   {"problem": {"id", "question", "answer"}, "steps": [{"step": 1, "text": "..."}, ...], "finalAnswer": "..."}
 * and writes one JSON object on stdout with a verdict for every step:
 *   {"steps": [{"step": 1, "ok": true}, {"step": 2, "ok": false, "reason": "..."}]}
 * A script that exits non-zero, runs past its timeout, writes something else or leaves a step out stops the
 * round with an error naming the checker, the trace and what went wrong (a UserError: not retried).
 */
export interface CommandCheckerOptions {
  name: string;
  command: readonly string[];
  timeoutSeconds: number;
  cwd?: string;
}

export const commandChecker = (o: CommandCheckerOptions): StepChecker => ({
  name: o.name,
  async check(input: StepCheckInput): Promise<StepFailure[]> {
    const stdin = JSON.stringify({ problem: input.problem, steps: input.steps.map((s) => ({ step: s.n, text: s.text })), finalAnswer: input.finalAnswer ?? null });
    const where = `step checker ${o.name} (${o.command.join(' ')}) on problem ${input.problem.id}`;
    const out = await runOnce(o, stdin, where);
    const verdicts = parseAnswer(out, where);
    const failures: StepFailure[] = [];
    for (const s of input.steps) {
      const v = verdicts.get(s.n);
      if (!v) throw new UserError(`${where}: its answer has no verdict for step ${s.n} (expected {"steps": [{"step": ${s.n}, "ok": true|false}, ...]})`);
      if (!v.ok) failures.push(failAt(s, v.reason ?? `rejected by ${o.name}`));
    }
    return failures;
  },
});

function runOnce(o: CommandCheckerOptions, stdin: string, where: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.command[0]!, o.command.slice(1), { cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutSeconds * 1000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-2000)));
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new UserError(`${where}: cannot run it (${err.code ?? err.message})`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) return reject(new UserError(`${where}: no answer within ${o.timeoutSeconds} s (timeoutSeconds)`));
      if (code !== 0) return reject(new UserError(`${where}: exited with code ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
      resolve(stdout);
    });
    // A script that exits without reading its input closes the pipe: not an error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

function parseAnswer(out: string, where: string): Map<number, { ok: boolean; reason?: string }> {
  let v: unknown;
  try {
    v = JSON.parse(out);
  } catch {
    throw new UserError(`${where}: its output is not JSON: ${JSON.stringify(out.slice(0, 200))}`);
  }
  const steps = (v as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) throw new UserError(`${where}: expected {"steps": [...]} on stdout, got ${JSON.stringify(out.slice(0, 200))}`);
  const map = new Map<number, { ok: boolean; reason?: string }>();
  steps.forEach((s: unknown, i) => {
    const r = s as { step?: unknown; ok?: unknown; reason?: unknown } | null;
    if (!r || typeof r.step !== 'number' || typeof r.ok !== 'boolean')
      throw new UserError(`${where}: steps[${i}]: expected {"step": <number>, "ok": true|false, "reason"?: <text>}`);
    map.set(r.step, { ok: r.ok, ...(typeof r.reason === 'string' ? { reason: r.reason } : {}) });
  });
  return map;
}
