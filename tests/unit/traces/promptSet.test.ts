import type { ChatProvider, ChatRequest } from '../../../lib/providers/chat/types';
import { generateCotSample } from '../../../lib/traces/generateCot';
import { generateTrace } from '../../../lib/traces/generateTrace';
import { hashPromptSet, multiTurnPromptsHash, PROMPTS_HASH, promptSet, resolvePrompts, type PromptSet, type PromptStyle } from '../../../lib/traces/promptSet';
import * as prompts from '../../../lib/traces/prompts';
import type { TraceGrade } from '../../../lib/traces/record';

const STYLES: PromptStyle[] = ['cot', 'multi-turn'];

describe('PROMPTS_HASH', () => {
  it('is the hash of each style\'s set, recomputed from the texts', () => {
    for (const style of STYLES) expect(PROMPTS_HASH[style]).toBe(hashPromptSet(promptSet(style)));
    expect(PROMPTS_HASH.cot).not.toBe(PROMPTS_HASH['multi-turn']);
    expect(PROMPTS_HASH.cot).toMatch(/^[0-9a-f]{16}$/);
  });

  it('has the pinned values (a prompt changed: the ledger re-samples under the new hash; pin the new values)', () => {
    // Also proves the hash is of rendered text, not of code: the same under ts-jest as under tsx and tsc.
    // multi-turn was da578f9dac033e15 before issue 26 (first-principles system prompt, turn schedule, the
    // verifier reading the whole conversation, JSON verdicts): ledgers re-draw multi-turn samples once.
    expect(PROMPTS_HASH).toEqual({ cot: '28a5896fb7d15fbe', 'multi-turn': 'bf5fabe4e5739df6' });
  });

  it("a curriculum's prompts give their own hash: domain, system prompt, turn schedule, temperature schedule; none or {} is the default", () => {
    const h = (p: Parameters<typeof resolvePrompts>[0]) => multiTurnPromptsHash(resolvePrompts(p));
    expect(h(undefined)).toBe(PROMPTS_HASH['multi-turn']);
    expect(h({})).toBe(PROMPTS_HASH['multi-turn']);
    expect(h({ domain: 'math' })).toBe(PROMPTS_HASH['multi-turn']);
    const variants = [
      h({ domain: 'sorting digits' }),
      h({ system: 'Be brief.' }),
      h({ verifierSystem: 'Check it.' }),
      h({ turnSchedule: [{ fromTurn: 1, prompts: ['Next.'] }] }),
      h({ turnSchedule: [{ fromTurn: 1, prompts: ['Next.'] }, { fromTurn: 3, prompts: ['Check, then next.'] }] }),
      h({ temperatureSchedule: { from: 0.3, to: 1, overTurns: 8 } }),
      h({ temperatureSchedule: { from: 0.3, to: 1, overTurns: 4 } }),
    ];
    expect(new Set([PROMPTS_HASH['multi-turn'], ...variants]).size).toBe(variants.length + 1);
  });

  it('changes when any one text, template or format changes; not with the order of the entries', () => {
    for (const style of STYLES) {
      const set = promptSet(style);
      const seen = new Set([hashPromptSet(set)]);
      for (const [k, v] of Object.entries(set)) {
        const changed = typeof v === 'string' ? `${v} ` : [...v.slice(0, -1), `${v[v.length - 1]} `];
        const h = hashPromptSet({ ...set, [k]: changed });
        expect(seen.has(h)).toBe(false);
        seen.add(h);
      }
      const reversed: PromptSet = Object.fromEntries(Object.entries(set).reverse());
      expect(hashPromptSet(reversed)).toBe(hashPromptSet(set));
    }
    // A reordered rotation of the continue prompts is another set too.
    const mt = promptSet('multi-turn');
    expect(hashPromptSet({ ...mt, continue: [...(mt.continue as string[])].reverse() })).not.toBe(PROMPTS_HASH['multi-turn']);
  });

  it('a changed prompt constant gives a changed hash (the set reads the live texts)', () => {
    jest.isolateModules(() => {
      jest.doMock('../../../lib/traces/prompts', () => ({ ...jest.requireActual('../../../lib/traces/prompts'), FINAL_CHECK_PROMPT: 'Done yet?' }));
      const fresh = require('../../../lib/traces/promptSet') as typeof import('../../../lib/traces/promptSet');
      expect(fresh.PROMPTS_HASH.cot).toBe(PROMPTS_HASH.cot);
      expect(fresh.PROMPTS_HASH['multi-turn']).not.toBe(PROMPTS_HASH['multi-turn']);
    });
    jest.dontMock('../../../lib/traces/prompts');
  });
});

/** The set's entries as matchers: a slot matches any text, everything else literally. */
function matchers(set: PromptSet): RegExp[] {
  const texts = Object.entries(set)
    .filter(([k]) => k !== 'style' && !k.endsWith('Format'))
    .flatMap(([, v]) => (typeof v === 'string' ? [v] : [...v]));
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return texts.map((t) => new RegExp(`^${t.split(/\{\{[^}]*\}\}/).map(esc).join('[\\s\\S]*')}$`));
}

/** A provider that answers from a script per model and keeps every request. */
function scripted(replies: Record<string, string[]>): ChatProvider & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    requests,
    complete: async (req) => {
      requests.push(structuredClone(req));
      const n = req.n ?? 1;
      const content = replies[req.model]!.shift() ?? '';
      return { choices: Array.from({ length: n }, () => ({ content, finishReason: 'stop' })), usage: { promptTokens: 1, completionTokens: 1 } };
    },
  };
}
const grade = (): TraceGrade => ({ correct: true, extracted: '6', reason: 'match', verifierVersion: 't' });
const problem = { id: 'p', levelIndex: 0, question: 'What is 1 + 2 + 3?\n(show work)', answer: '6' } as Parameters<typeof generateTrace>[1];

describe('the prompt set covers every request', () => {
  it('multi-turn: every system and user text sent (student and verifier) is a text or template of the set', async () => {
    const p = scripted({
      s: ['Step 1: a', prompts.NOT_YET, 'Step 2: b', 'Step 2: b again', prompts.NOT_YET, 'Step 3: c', ...Array.from({ length: 12 }, (_, i) => `Step ${4 + i}: d`), '\\boxed{6}'],
      v: ['VERDICT: correct', 'VERDICT: incorrect\nFIRST_WRONG_STEP: 2\nREASON: off by one', 'VERDICT: correct', 'VERDICT: incorrect\nFIRST_WRONG_STEP: 3', ...Array.from({ length: 20 }, () => 'VERDICT: correct')],
    });
    await generateTrace(p, problem, { model: 's', maxTurns: 40, finalCheckEvery: 1, verifyEvery: 1, verifier: { model: 'v' } }, grade, 0);
    const sent = p.requests.flatMap((r) => r.messages.filter((m) => m.role !== 'assistant').map((m) => m.content));
    // The run went through every kind of turn (else the check below proves little).
    for (const t of [prompts.FINAL_CHECK_PROMPT, prompts.VERIFIER_SYSTEM_PROMPT, prompts.critiquePrompt(2, 'off by one'), prompts.critiquePrompt(3, prompts.DEFAULT_CRITIQUE_REASON)])
      expect(sent).toContain(t);
    // Every entry of the turn schedule was reached.
    for (const e of prompts.DEFAULT_TURN_SCHEDULE) expect(e.prompts.some((t) => sent.includes(t))).toBe(true);
    const m = matchers(promptSet('multi-turn'));
    expect([...new Set(sent)].filter((text) => !m.some((re) => re.test(text)))).toEqual([]);
  });

  it('cot: the system prompt and the problem', async () => {
    const p = scripted({ s: ['Step 1: a\n\\boxed{6}'] });
    await generateCotSample(p, problem, { model: 's' }, grade, 0, 2);
    const sent = p.requests.flatMap((r) => r.messages.map((m) => m.content));
    const m = matchers(promptSet('cot'));
    expect(sent.filter((text) => !m.some((re) => re.test(text)))).toEqual([]);
  });

  it('a request text that is in no set is caught', () => {
    const m = matchers(promptSet('multi-turn'));
    expect(m.some((re) => re.test('Please continue.'))).toBe(false);
    expect(m.some((re) => re.test(prompts.critiquePrompt(4, 'why')))).toBe(true);
  });
});
