import { standingSteps, stepLine, traceSteps } from '../../../lib/stepChecks/steps';
import { traceOf } from './helpers';

describe('traceSteps: the steps of a trace', () => {
  it('a multi-turn trace: one step per `Step <n>:` turn, final checks and bare answers left out', () => {
    const t = traceOf('q', ['Step 1: add\n3 + 4 = 7', { user: 'final?' }, 'NOT_YET', { user: 'go on' }, 'Step 2: double\n7 * 2 = 14', { user: 'final?' }, '\\boxed{14}']);
    expect(traceSteps(t.messages)).toEqual([
      { n: 1, messageIndex: 2, text: 'Step 1: add\n3 + 4 = 7' },
      { n: 2, messageIndex: 6, text: 'Step 2: double\n7 * 2 = 14' },
    ]);
  });

  it('a chain of thought with numbered lines in one reply: one step per `Step <n>:` line', () => {
    const t = traceOf('q', ['Step 1: 3 + 4 = 7\nStep 2: 7 * 2 = 14\n\\boxed{14}']);
    expect(traceSteps(t.messages).map((s) => [s.n, s.text])).toEqual([[1, 'Step 1: 3 + 4 = 7'], [2, 'Step 2: 7 * 2 = 14']]);
  });

  it('a scratchpad without step numbers: one step per line, the answer line left out', () => {
    const t = traceOf('sort 321', ['231\n213\n123\n\\boxed{123}']);
    expect(traceSteps(t.messages).map((s) => [s.n, s.text])).toEqual([[1, '231'], [2, '213'], [3, '123']]);
  });

  it('standing steps: a step written again replaces it and every later one (the conversation went back)', () => {
    const t = traceOf('q', [{ corrected: 'Step 1: a' }, { user: 'redo 1' }, 'Step 1: a2', 'Step 2: b', { corrected: 'Step 3: c' }, { corrected: 'Step 4: d' }, { user: 'redo 3' }, 'Step 3: c2']);
    expect(standingSteps(traceSteps(t.messages)).map((s) => s.text)).toEqual(['Step 1: a2', 'Step 2: b', 'Step 3: c2']);
  });

  it('stepLine: the last line without its Step prefix', () => {
    expect(stepLine('Step 2: swap\n213')).toBe('213');
    expect(stepLine('Step 2: 213')).toBe('213');
    expect(stepLine('213')).toBe('213');
  });
});
