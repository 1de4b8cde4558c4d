import { TraceOptionsSchema } from '../../../lib/traces/options';
import { critiquePrompt, DEFAULT_CRITIQUE_REASON, FINAL_CHECK_PROMPT, formatStep, problemPrompt, STEP_SYSTEM_PROMPT, VERIFIER_SYSTEM_PROMPT, verifierPrompt } from '../../../lib/traces/prompts';
import type { TraceMessage } from '../../../lib/traces/record';
import { applyVerdict, markCorrected, verifierDue, verifierRequest } from '../../../lib/traces/verifierCall';

const opening = (): TraceMessage[] => [
  { role: 'system', content: STEP_SYSTEM_PROMPT },
  { role: 'user', content: problemPrompt('What is 1 + 2 + 3?') },
];
const step = (n: number, corrected?: boolean): TraceMessage => ({ role: 'assistant', content: formatStep(n, `title ${n}`, `body ${n}`), ...(corrected ? { corrected } : {}) });
const user = (content = 'Continue with the next step.'): TraceMessage => ({ role: 'user', content });

/** Steps 1..n with a continue prompt between them: step k sits at message index 2k (k = 1..n). */
function conversation(n: number): TraceMessage[] {
  const m = opening();
  for (let k = 1; k <= n; k++) {
    m.push(step(k));
    if (k < n) m.push(user());
  }
  return m;
}
const correctedIndices = (m: TraceMessage[]) => m.flatMap((x, i) => (x.corrected ? [i] : []));

describe('verifierDue', () => {
  const opts = TraceOptionsSchema.parse({ model: 's', verifyEvery: 2, verifier: { model: 'v' } });
  it('is due every verifyEvery steps, and never with the verifier off', () => {
    expect([1, 2, 3, 4].map((steps) => verifierDue({ verify: true, steps, opts }))).toEqual([false, true, false, true]);
    expect(verifierDue({ verify: false, steps: 2, opts })).toBe(false);
  });
});

describe('verifierRequest', () => {
  it('sends the problem and the uncorrected step turns only, under the verifier options and the given seed', () => {
    const m = [...opening(), step(1), user(FINAL_CHECK_PROMPT), { role: 'assistant' as const, content: 'NOT_YET' }, user(), step(2, true), user(critiquePrompt(2, 'x')), step(2)];
    const req = verifierRequest('What is 1 + 2 + 3?', m, { model: 'v', temperature: 0, maxTokens: 256 }, 42);
    expect(req).toEqual({
      model: 'v',
      messages: [
        { role: 'system', content: VERIFIER_SYSTEM_PROMPT },
        { role: 'user', content: verifierPrompt('What is 1 + 2 + 3?', [m[2]!.content, m[8]!.content]) },
      ],
      temperature: 0,
      maxTokens: 256,
      seed: 42,
    });
  });
});

describe('markCorrected', () => {
  it('marks the flagged step and every later assistant turn; the flag points at that step', () => {
    const m = conversation(3);
    expect(markCorrected(m, 2)).toEqual({ messageIndex: 4, step: 2 });
    expect(correctedIndices(m)).toEqual([4, 6]);
  });

  it('takes the last step shown when the verifier names none or one beyond it', () => {
    const none = conversation(3);
    expect(markCorrected(none, undefined)).toEqual({ messageIndex: 6, step: 3 });
    expect(correctedIndices(none)).toEqual([6]);
    const beyond = conversation(3);
    expect(markCorrected(beyond, 9)).toEqual({ messageIndex: 6, step: 3 });
  });

  it('keeps the verifier step when it is below the first step still live (that turn is the one redone)', () => {
    const m = [...opening(), step(1, true), user(critiquePrompt(1, 'x')), step(2), user(), step(3)];
    expect(markCorrected(m, 1)).toEqual({ messageIndex: 4, step: 1 });
    expect(correctedIndices(m)).toEqual([2, 4, 6]);
  });

  it('skips turns already corrected', () => {
    const m = [...opening(), step(1), user(), step(2, true), user(critiquePrompt(2, 'x')), step(2)];
    expect(markCorrected(m, 2)).toEqual({ messageIndex: 6, step: 2 });
  });

  it('flags the last reply when there is no step to point at (an objection to a bare answer)', () => {
    const m = [...opening(), { role: 'assistant' as const, content: '\\boxed{6}' }];
    expect(markCorrected(m, undefined)).toEqual({ messageIndex: 2, step: 1 });
    expect(m[2]!.corrected).toBe(true);
    expect(markCorrected(opening(), 4)).toEqual({ messageIndex: -1, step: 4 });
  });
});

describe('applyVerdict', () => {
  it('changes nothing on a pass or an unreadable verdict', () => {
    for (const v of [{ ok: true }, undefined]) {
      const m = conversation(2);
      expect(applyVerdict(m, v)).toBeUndefined();
      expect(m).toEqual(conversation(2));
    }
  });

  it('on a flag: marks the turns, appends the critique, returns the flag with its reason', () => {
    const m = conversation(2);
    expect(applyVerdict(m, { ok: false, firstWrongStep: 2, reason: 'wrong sum' })).toEqual({ messageIndex: 4, step: 2, reason: 'wrong sum' });
    expect(m[m.length - 1]).toEqual({ role: 'user', content: critiquePrompt(2, 'wrong sum') });
  });

  it('without a reason: the default critique, and no reason in the flag', () => {
    const m = conversation(2);
    const flag = applyVerdict(m, { ok: false, firstWrongStep: 1 });
    expect(flag).toEqual({ messageIndex: 2, step: 1 });
    expect(Object.keys(flag!)).toEqual(['messageIndex', 'step']);
    expect(m[m.length - 1]!.content).toBe(critiquePrompt(1, DEFAULT_CRITIQUE_REASON));
  });
});
