import { TraceOptionsSchema } from '../../../lib/traces/options';
import type { Problem } from '../../../lib/curriculum/types';
import type { ChatProvider, ChatRequest } from '../../../lib/providers/chat/types';
import { startRun } from '../../../lib/traces/conversation';
import {
  critiquePrompt,
  DEFAULT_CRITIQUE_REASON,
  FINAL_CHECK_PROMPT,
  formatStep,
  formatVerdict,
  parseTranscript,
  parseVerdict,
  problemPrompt,
  STEP_SYSTEM_PROMPT,
  UNREADABLE_VERDICT_REASON,
  VERDICT_JSON_SCHEMA,
  VERIFIER_SYSTEM_PROMPT,
  verifierPrompt,
  verifierSystemPrompt,
} from '../../../lib/traces/prompts';
import type { TraceMessage } from '../../../lib/traces/record';
import { applyVerdict, markCorrected, verifierDue, verifierRequest, verifyAndCritique } from '../../../lib/traces/verifierCall';

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
  const m = (): TraceMessage[] => [...opening(), step(1), user(FINAL_CHECK_PROMPT), { role: 'assistant' as const, content: 'NOT_YET' }, user(), step(2, true), user(critiquePrompt(2, 'x')), step(2)];

  it('sends the problem and the whole conversation after it: every step, the turn prompts, the critique and the redo', () => {
    const req = verifierRequest('What is 1 + 2 + 3?', m(), { model: 'v', temperature: 0, maxTokens: 256, responseFormat: 'none', onUnparsed: 'flag' }, 42);
    const c = m();
    expect(req).toEqual({
      model: 'v',
      messages: [
        { role: 'system', content: VERIFIER_SYSTEM_PROMPT },
        {
          role: 'user',
          content: verifierPrompt('What is 1 + 2 + 3?', [
            { label: 'student', content: c[2]!.content },
            { label: 'user', content: FINAL_CHECK_PROMPT },
            { label: 'student', content: 'NOT_YET' },
            { label: 'user', content: 'Continue with the next step.' },
            { label: 'student (redone later)', content: c[6]!.content },
            { label: 'user', content: critiquePrompt(2, 'x') },
            { label: 'student', content: c[8]!.content },
          ]),
        },
      ],
      temperature: 0,
      maxTokens: 256,
      seed: 42,
    });
    // The system prompt and the problem appear once, as the problem, never as a turn.
    const text = req.messages[1]!.content;
    expect(text.startsWith(problemPrompt('What is 1 + 2 + 3?'))).toBe(true);
    expect(text).not.toContain(STEP_SYSTEM_PROMPT);
  });

  it('reads back: the transcript parses into the same entries', () => {
    const req = verifierRequest('What is 1 + 2 + 3?\n(two lines)', m(), { model: 'v', temperature: 0, maxTokens: 256, responseFormat: 'none', onUnparsed: 'flag' }, 1);
    const back = parseTranscript(req.messages[1]!.content)!;
    expect(back.question).toBe('What is 1 + 2 + 3?\n(two lines)');
    expect(back.entries.map((e) => e.label)).toEqual(['student', 'user', 'student', 'user', 'student (redone later)', 'user', 'student']);
    expect(back.entries[6]!.content).toBe(m()[8]!.content);
  });

  it('asks for the JSON verdict schema as structured output unless responseFormat is none; names the domain given', () => {
    const req = verifierRequest('q', m(), { model: 'v', temperature: 0, maxTokens: 256, responseFormat: 'json_schema', onUnparsed: 'flag' }, 1, verifierSystemPrompt('sorting digits'));
    expect(req.responseFormat).toEqual({ type: 'json_schema', json_schema: { name: 'verdict', schema: VERDICT_JSON_SCHEMA, strict: true } });
    expect(req.messages[0]!.content).toContain('a sorting digits problem');
    expect(req.messages[0]!.content).not.toContain('math');
  });
});

describe('parseVerdict', () => {
  it('reads the JSON verdict, bare, in prose or in a code fence, and the older text format', () => {
    expect(parseVerdict('{"verdict": "correct", "firstWrongStep": null, "reason": null}')).toEqual({ ok: true });
    expect(parseVerdict('Here:\n```json\n{"verdict":"incorrect","firstWrongStep":3,"reason":"3 + 4 is 7"}\n```')).toEqual({ ok: false, firstWrongStep: 3, reason: '3 + 4 is 7' });
    expect(parseVerdict(formatVerdict({ ok: false, firstWrongStep: 2, reason: 'r' }))).toEqual({ ok: false, firstWrongStep: 2, reason: 'r' });
    expect(parseVerdict('VERDICT: incorrect\nFIRST_WRONG_STEP: 2\nREASON: off')).toEqual({ ok: false, firstWrongStep: 2, reason: 'off' });
  });

  it('is undefined for what it cannot read: no verdict, an unknown verdict, broken JSON', () => {
    for (const t of ['', 'Looks fine to me.', '{"verdict": "maybe"}', '{"verdict": "correct"', '{"ok": true}']) expect(parseVerdict(t)).toBeUndefined();
  });

  it('drops a firstWrongStep that is not a step number', () => {
    expect(parseVerdict('{"verdict":"incorrect","firstWrongStep":0,"reason":""}')).toEqual({ ok: false });
  });
});

describe('an unparseable verdict: counted, retried once, then onUnparsed', () => {
  const problem = { id: 'p', levelIndex: 0, question: 'What is 1 + 2 + 3?', answer: '6' } as Problem;
  function verifier(replies: string[]): ChatProvider & { requests: ChatRequest[] } {
    const requests: ChatRequest[] = [];
    return { requests, complete: async (req) => (requests.push(req), { choices: [{ content: replies.shift() ?? '', finishReason: 'stop' }], usage: { promptTokens: 1, completionTokens: 1 } }) };
  }
  const run = (v: ChatProvider, onUnparsed: 'flag' | 'accept') => {
    const r = startRun(v, problem, TraceOptionsSchema.parse({ model: 's', verifyEvery: 1, verifier: { model: 'v', onUnparsed } }), 0);
    r.messages.push(step(1));
    r.steps = 1;
    return r;
  };

  it('a readable retry is used: one unparsed counted, two calls, with different seeds', async () => {
    const v = verifier(['hmm', formatVerdict({ ok: false, firstWrongStep: 1, reason: 'no' })]);
    const r = run(v, 'accept');
    expect(await verifyAndCritique(r)).toBe(true);
    expect(r.verifierUnparsed).toBe(1);
    expect(r.verifierCalls).toBe(2);
    expect(v.requests[0]!.seed).not.toBe(v.requests[1]!.seed);
    expect(r.verifierFlags).toEqual([{ messageIndex: 2, step: 1, reason: 'no' }]);
  });

  it('flag (the default): two unreadable replies send the last step back with the unreadable reason', async () => {
    const r = run(verifier(['hmm', 'still hmm']), 'flag');
    expect(await verifyAndCritique(r)).toBe(true);
    expect(r.verifierUnparsed).toBe(2);
    expect(r.verifierFlags).toEqual([{ messageIndex: 2, step: 1, reason: UNREADABLE_VERDICT_REASON }]);
    expect(r.messages[r.messages.length - 1]).toEqual({ role: 'user', content: critiquePrompt(1, UNREADABLE_VERDICT_REASON) });
    expect(TraceOptionsSchema.parse({ model: 's', verifier: { model: 'v' } }).verifier!.onUnparsed).toBe('flag');
  });

  it('accept: two unreadable replies are no objection, and still counted', async () => {
    const r = run(verifier(['hmm', 'still hmm']), 'accept');
    expect(await verifyAndCritique(r)).toBe(false);
    expect(r.verifierUnparsed).toBe(2);
    expect(r.verifierFlags).toEqual([]);
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
