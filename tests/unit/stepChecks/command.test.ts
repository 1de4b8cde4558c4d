import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkTrace } from '../../../lib/stepChecks/checkTrace';
import { commandChecker } from '../../../lib/stepChecks/command';
import { UserError } from '../../../lib/errors';
import { traceOf } from './helpers';

// The user's script, in JavaScript so the test needs nothing but node: a step fails when its text holds "bad".
const dir = mkdtempSync(path.join(tmpdir(), 'step-command-'));
const script = (name: string, body: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const t=JSON.parse(s);${body}});`);
  return file;
};
const judge = script('judge.js', `process.stdout.write(JSON.stringify({steps:t.steps.map(x=>({step:x.step,ok:!x.text.includes('bad'),...(x.text.includes('bad')?{reason:'bad in '+t.problem.id}:{})}))}))`);
const checker = (file: string, timeoutSeconds = 10) => commandChecker({ name: 'mine', command: [process.execPath, file], timeoutSeconds, cwd: dir });
const run = (file: string, turns: Parameters<typeof traceOf>[1], timeoutSeconds?: number) => checkTrace(traceOf('q', turns), { question: 'q', answer: '1' }, [checker(file, timeoutSeconds)]);

describe('command checker: the trace as JSON on stdin, a verdict per step on stdout', () => {
  it('valid: every step ok', async () => {
    expect(await run(judge, ['Step 1: fine', 'Step 2: fine', '\\boxed{1}'])).toEqual([{ checker: 'mine', checked: 2, failed: [] }]);
  });

  it('invalid: the rejected step with the script\'s reason', async () => {
    expect((await run(judge, ['Step 1: fine', 'Step 2: bad', '\\boxed{1}']))[0]!.failed).toEqual([{ step: 2, messageIndex: 3, reason: 'bad in p' }]);
  });

  it('a redone step: the script sees the redo only', async () => {
    expect((await run(judge, ['Step 1: fine', { corrected: 'Step 2: bad' }, { user: 'redo 2' }, 'Step 2: fine now', '\\boxed{1}']))[0]!.failed).toEqual([]);
  });

  it('gets the problem, the standing steps and the final answer', async () => {
    const echo = script('echo.js', `process.stdout.write(JSON.stringify({steps:t.steps.map(x=>({step:x.step,ok:false,reason:JSON.stringify([t.problem,x.text,t.finalAnswer])}))}))`);
    const res = await checkTrace(traceOf('q', ['Step 1: a', '\\boxed{1}'], { finalAnswer: '1' }), { question: 'q', answer: '1' }, [checker(echo)]);
    expect(JSON.parse(res[0]!.failed[0]!.reason)).toEqual([{ id: 'p', question: 'q', answer: '1' }, 'Step 1: a', '1']);
  });

  it('clear errors (UserError, naming the checker and the problem): timeout, exit code, not JSON, a step left out, cannot run', async () => {
    const cases: [string, RegExp, number?][] = [
      [script('slow.js', 'setTimeout(()=>{}, 5000)'), /step checker mine .* on problem p: no answer within 0.3 s \(timeoutSeconds\)/, 0.3],
      [script('exit.js', "console.error('boom');process.exit(3)"), /on problem p: exited with code 3: boom/],
      [script('prose.js', "process.stdout.write('all good')"), /its output is not JSON: "all good"/],
      [script('shape.js', "process.stdout.write('[]')"), /expected \{"steps": \[\.\.\.\]\} on stdout/],
      [script('partial.js', "process.stdout.write(JSON.stringify({steps:[{step:1,ok:true}]}))"), /has no verdict for step 2/],
      [script('typo.js', "process.stdout.write(JSON.stringify({steps:[{step:1,ok:'yes'}]}))"), /steps\[0\]: expected \{"step": <number>, "ok": true\|false/],
      [path.join(dir, 'missing.js'), /exited with code 1/],
    ];
    for (const [file, message, timeout] of cases) {
      const p = run(file, ['Step 1: a', 'Step 2: b'], timeout);
      await expect(p).rejects.toThrow(message);
      await expect(p).rejects.toBeInstanceOf(UserError);
    }
    const none = commandChecker({ name: 'mine', command: ['/no/such/program'], timeoutSeconds: 1 });
    await expect(checkTrace(traceOf('q', ['Step 1: a']), { question: 'q', answer: '1' }, [none])).rejects.toThrow(/cannot run it \(ENOENT\)/);
  });
});
