import { checkTrace } from '../../../lib/stepChecks/checkTrace';
import { modchainChecker, modchainStep } from '../../../lib/stepChecks/modchain';
import { sortstepsChecker } from '../../../lib/stepChecks/sortsteps';
import { traceOf } from './helpers';

const failed = async (checker: ReturnType<typeof sortstepsChecker>, question: string, turns: Parameters<typeof traceOf>[1]) =>
  (await checkTrace(traceOf(question, turns), { question, answer: '' }, [checker]))[0]!.failed;

describe('sortsteps checker: each line one adjacent swap of a descending pair, ending sorted', () => {
  const c = sortstepsChecker();
  it('valid: the procedure, including a swap that is not the leftmost one', async () => {
    expect(await failed(c, 'sort 321', ['231\n213\n123\n\\boxed{123}'])).toEqual([]);
    expect(await failed(c, 'sort 321', ['312\n132\n123\n\\boxed{123}'])).toEqual([]);
  });
  it('invalid: a skipped line, a garbled line, a swap of an ascending pair, unfinished', async () => {
    expect((await failed(c, 'sort 321', ['213\n123\n\\boxed{123}']))[0]).toMatchObject({ step: 1, reason: '`213` is not one adjacent swap of a descending pair of `321`' });
    expect((await failed(c, 'sort 4321', ['3421\n3241\n3214\n2314\n2134\n1234\n\\boxed{1234}']))).toEqual([]);
    expect((await failed(c, 'sort 4321', ['3421\n3241\n3241x\n\\boxed{1234}']))[0]).toMatchObject({ step: 3 });
    expect((await failed(c, 'sort 213', ['123\n213\n\\boxed{123}']))[0]).toMatchObject({ step: 2 });
    expect((await failed(c, 'sort 321', ['231\n\\boxed{123}']))[0]).toMatchObject({ step: 1, reason: '`231` is not sorted: steps are missing' });
    expect((await failed(c, 'sort 21', ['\\boxed{12}']))[0]).toMatchObject({ reason: 'no steps' });
  });
  it('a redone step: the redo is judged (valid redo passes, invalid redo fails)', async () => {
    expect(await failed(c, 'sort 321', ['Step 1: 231', { corrected: 'Step 2: 132' }, { user: 'redo 2' }, 'Step 2: 213', 'Step 3: 123', '\\boxed{123}'])).toEqual([]);
    expect((await failed(c, 'sort 321', ['Step 1: 231', { corrected: 'Step 2: 132' }, { user: 'redo 2' }, 'Step 2: 312', 'Step 3: 123', '\\boxed{123}']))[0]).toMatchObject({ step: 2, messageIndex: 5 });
  });
});

describe('modchain checker: each line rewrites the leftmost `a op b` of the line above as `..r`, r mod 10', () => {
  const c = modchainChecker();
  it('the rule: left to right, modulo 10, negative results wrapped', () => {
    expect(modchainStep('..3+4*7-2')).toBe('....7*7-2');
    expect(modchainStep('....7*7-2')).toBe('......9-2');
    expect(modchainStep('......2-9')).toBe('........3');
    expect(modchainStep('........3')).toBeUndefined();
  });
  it('valid: every line, ending on one digit', async () => {
    expect(await failed(c, 'chain ..3+4*7-2', ['....7*7-2\n......9-2\n........7\n\\boxed{7}'])).toEqual([]);
  });
  it('invalid: a wrong digit, a skipped step, an unfinished chain, a line after the end', async () => {
    expect((await failed(c, 'chain ..3+4*7-2', ['....7*7-2\n......8-2\n........6\n\\boxed{6}']))[0]).toMatchObject({ step: 2, reason: '`......8-2` does not follow from `....7*7-2` (expected `......9-2`)' });
    expect((await failed(c, 'chain ..3+4*7-2', ['....7*7-2\n........7\n\\boxed{7}']))[0]).toMatchObject({ step: 2 });
    expect((await failed(c, 'chain ..3+4*7-2', ['....7*7-2\n\\boxed{7}']))[0]).toMatchObject({ step: 1, reason: '`....7*7-2` is not finished: steps are missing' });
    expect((await failed(c, 'chain ..3+4', ['....7\n....7\n\\boxed{7}']))[0]).toMatchObject({ step: 2, reason: '`....7` is already finished: no step follows it' });
  });
  it('a redone step: the redo is judged', async () => {
    expect(await failed(c, 'chain ..3+4*7', [{ corrected: 'Step 1: ....8*7' }, { user: 'redo 1' }, 'Step 1: ....7*7', 'Step 2: ......9', '\\boxed{9}'])).toEqual([]);
    expect((await failed(c, 'chain ..3+4*7', [{ corrected: 'Step 1: ....8*7' }, { user: 'redo 1' }, 'Step 1: ....6*7', 'Step 2: ......2', '\\boxed{2}']))[0]).toMatchObject({ step: 1, messageIndex: 4 });
  });
});
