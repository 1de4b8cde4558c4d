import type { Curriculum, Problem } from '../../../lib/curriculum/types';
import { lastBoxed } from '../../../lib/curriculum/boxed';
import {
  COT_SYSTEM_PROMPT,
  continuePrompt,
  critiquePrompt,
  FINAL_CHECK_PROMPT,
  NOT_YET,
  parseStep,
  parseVerdict,
  problemPrompt,
  STEP_SYSTEM_PROMPT,
  VERIFIER_SYSTEM_PROMPT,
  verifierPrompt,
  verifierSystemPrompt,
} from '../../../lib/traces/prompts';
import { parseSimConfig } from '../../../sim/config';
import { ProblemIndex } from '../../../sim/problems';
import { respond, type ChatMessage } from '../../../sim/responder';
import type { Abilities } from '../../../sim/students';

/** A tiny hand-built curriculum: two arithmetic problems and one word problem without an expression. */
const problem = (id: string, question: string, answer: string, difficulty: number, steps: number): Problem => ({
  id, levelId: `l${difficulty}`, levelIndex: difficulty - 1, skill: 'arithmetic', difficulty, question, answer, heldOut: false, steps,
});
const threeSteps = problem('p3', 'What is (12 + 7) * 3 - 5?', '52', 2, 3);
const easy = problem('p1', 'What is 2 + 3?', '5', 1, 1);
const word = problem('w1', 'Ann has 3 bags of 4 apples and eats 2. How many apples are left?', '10', 2, 2);
const curriculum: Curriculum = { name: 'tiny', answerType: 'number', path: '/tiny.yaml', levels: [{ id: 'l', index: 0, skill: 'arithmetic', difficulty: 1, problems: [threeSteps, easy, word] }] };
const index = new ProblemIndex([curriculum]);
const cfg = parseSimConfig({});
const student: Abilities = { abilities: {}, defaultAbility: 2 };

function ask(messages: ChatMessage[], seed = 0, choice = 0, model = 'sim-student', who = student): string {
  return respond({ model, student: who, messages, temperature: 1, seed, choice }, index, cfg);
}

/** Runs a step-by-step trace: continue until the needed steps are done, then the final check. */
function trace(p: Problem, seed: number): { messages: ChatMessage[]; final: string } {
  const messages: ChatMessage[] = [{ role: 'system', content: STEP_SYSTEM_PROMPT }, { role: 'user', content: problemPrompt(p.question) }];
  for (let turn = 0; turn < p.steps; turn++) {
    messages.push({ role: 'assistant', content: ask(messages, seed) });
    messages.push({ role: 'user', content: turn + 1 < p.steps ? continuePrompt(turn) : FINAL_CHECK_PROMPT });
  }
  const final = ask(messages, seed);
  return { messages, final };
}

describe('sim replies to the step prompts', () => {
  it('answers one step per turn, NOT_YET before the needed steps, then the final answer', () => {
    const messages: ChatMessage[] = [{ role: 'system', content: STEP_SYSTEM_PROMPT }, { role: 'user', content: problemPrompt(threeSteps.question) }];
    const step1 = ask(messages, 1);
    expect(parseStep(step1)?.n).toBe(1);
    expect(step1).toMatch(/Now: /);
    messages.push({ role: 'assistant', content: step1 }, { role: 'user', content: FINAL_CHECK_PROMPT });
    expect(ask(messages, 1)).toBe(NOT_YET);
    const { final } = trace(threeSteps, 1);
    expect(lastBoxed(final)).toBeDefined();
  });

  it('correct trajectories reach the gold answer, wrong ones a plausible wrong number with a wrong step', () => {
    let correct = 0;
    for (let seed = 0; seed < 200; seed++) {
      const { messages, final } = trace(threeSteps, seed);
      const answer = lastBoxed(final)!;
      expect(answer).toMatch(/^-?\d+(\.\d+)?$/);
      if (answer === '52') correct++;
      else {
        const steps = messages.filter((m) => m.role === 'assistant').map((m) => m.content);
        expect(steps.some((s) => !/= 19\n|= 57\n|= 52\n/.test(s))).toBe(true);
        expect(Math.abs(Number(answer) - 52)).toBeLessThan(40);
      }
    }
    // p = sigmoid((2 - difficulty') / 0.35) with difficulty' in [1.75, 2.25]: between 0.33 and 0.67.
    expect(correct).toBeGreaterThan(40);
    expect(correct).toBeLessThan(160);
  });

  it('after a critique it sometimes fixes the wrong step and then reaches the gold answer', () => {
    let wrong = 0;
    let fixed = 0;
    for (let seed = 0; seed < 300; seed++) {
      const { messages, final } = trace(threeSteps, seed);
      if (lastBoxed(final) === '52') continue;
      const steps = messages.filter((m) => m.role === 'assistant').map((m) => m.content);
      const verdict = parseVerdict(ask([{ role: 'system', content: VERIFIER_SYSTEM_PROMPT }, { role: 'user', content: verifierPrompt(threeSteps.question, steps) }], seed, 0, 'sim-teacher'));
      if (!verdict || verdict.ok) continue;
      wrong++;
      // Replace the final check with the critique and carry on.
      const history = messages.slice(0, messages.length - 1);
      history.push({ role: 'user', content: critiquePrompt(verdict.firstWrongStep!, verdict.reason ?? 'wrong') });
      history.push({ role: 'assistant', content: ask(history, seed) });
      while (history.filter((m) => m.role === 'assistant').length < 8) {
        history.push({ role: 'user', content: FINAL_CHECK_PROMPT });
        const reply = ask(history, seed);
        if (reply !== NOT_YET) {
          if (lastBoxed(reply) === '52') fixed++;
          break;
        }
        history.pop();
        history.push({ role: 'user', content: continuePrompt(1) });
        history.push({ role: 'assistant', content: ask(history, seed) });
      }
    }
    expect(wrong).toBeGreaterThan(50);
    expect(fixed / wrong).toBeGreaterThan(0.35);
    expect(fixed / wrong).toBeLessThan(0.85);
  });

  it('the verifier is right about 90% of the time and names the first wrong step', () => {
    let right = 0;
    let total = 0;
    for (let seed = 0; seed < 300; seed++) {
      const { messages, final } = trace(threeSteps, seed);
      const steps = messages.filter((m) => m.role === 'assistant').map((m) => m.content);
      const truthOk = lastBoxed(final) === '52';
      const verdict = parseVerdict(ask([{ role: 'system', content: VERIFIER_SYSTEM_PROMPT }, { role: 'user', content: verifierPrompt(threeSteps.question, steps) }], 7, 0, 'sim-teacher'))!;
      total++;
      if (verdict.ok === truthOk) right++;
      if (!verdict.ok && !truthOk) expect(verdict.firstWrongStep).toBeGreaterThanOrEqual(1);
    }
    expect(right / total).toBeGreaterThan(0.82);
    expect(right / total).toBeLessThan(0.97);
  });

  it('the verifier reads the whole conversation: a wrong step redone right no longer counts, the redo does', () => {
    const sure = parseSimConfig({ traces: { verifierAccuracy: 1 } });
    const verdictOf = (entries: Parameters<typeof verifierPrompt>[1], system = VERIFIER_SYSTEM_PROMPT) =>
      parseVerdict(respond({ model: 'sim-teacher', student, messages: [{ role: 'system', content: system }, { role: 'user', content: verifierPrompt(threeSteps.question, entries) }], temperature: 0, seed: 1, choice: 0 }, index, sure));
    // Find a trace whose verdict names a wrong step, then show it redone by the correct trace's step.
    for (let seed = 0; seed < 300; seed++) {
      const steps = trace(threeSteps, seed).messages.filter((m) => m.role === 'assistant' && m.content.startsWith('Step')).map((m) => m.content);
      const v = verdictOf(steps);
      if (!v || v.ok) continue;
      const n = v.firstWrongStep!;
      const good = Array.from({ length: 300 }, (_, s) => trace(threeSteps, s)).find((t) => lastBoxed(t.final) === '52')!.messages.filter((m) => m.role === 'assistant' && m.content.startsWith('Step')).map((m) => m.content);
      const redone = [
        ...steps.slice(0, n - 1),
        { label: 'student (redone later)', content: steps[n - 1]! },
        { label: 'user', content: critiquePrompt(n, 'wrong') },
        ...good.slice(n - 1),
      ];
      // Only the standing steps count: the earlier steps (right) and the good trace's steps from n on.
      expect(verdictOf(redone)).toEqual({ ok: true });
      // The verifier prompt of another domain is the verifier too.
      expect(verdictOf(steps, verifierSystemPrompt('arithmetic'))).toEqual(v);
      return;
    }
    throw new Error('no wrong trace found');
  });

  it('works a problem without an expression with checkable generic steps', () => {
    let correct = 0;
    for (let seed = 0; seed < 100; seed++) {
      const { final } = trace(word, seed);
      if (lastBoxed(final) === '10') correct++;
      else expect(lastBoxed(final)).not.toBeUndefined();
    }
    expect(correct).toBeGreaterThan(15);
    expect(correct).toBeLessThan(85);
  });
});

describe('sim replies to other prompts', () => {
  it('chain of thought: every step on its own line, then a boxed answer', () => {
    const reply = ask([{ role: 'system', content: COT_SYSTEM_PROMPT }, { role: 'user', content: problemPrompt(threeSteps.question) }], 3);
    expect(reply.split('\n').filter((l) => /^Step \d+:/.test(l))).toHaveLength(3);
    expect(lastBoxed(reply)).toBeDefined();
  });

  it('plain prompts get a direct boxed answer; an easy problem is nearly always right', () => {
    let right = 0;
    for (let seed = 0; seed < 100; seed++) if (lastBoxed(ask([{ role: 'user', content: easy.question }], seed)) === '5') right++;
    expect(right).toBeGreaterThan(85);
  });

  it('unknown problems get no answer', () => {
    expect(lastBoxed(ask([{ role: 'user', content: problemPrompt('What is the airspeed of a swallow?') }]))).toBeUndefined();
    const steps = [{ role: 'system', content: STEP_SYSTEM_PROMPT }, { role: 'user', content: problemPrompt('Prove P != NP.') }, { role: 'assistant', content: 'Step 1: Think\nhmm' }, { role: 'user', content: FINAL_CHECK_PROMPT }];
    expect(ask(steps)).toBe(NOT_YET);
  });

  it('is a pure function of model, problem, seed, choice and conversation', () => {
    const m: ChatMessage[] = [{ role: 'user', content: problemPrompt(threeSteps.question) }];
    expect(ask(m, 5, 2)).toBe(ask(m, 5, 2));
    const answers = new Set(Array.from({ length: 40 }, (_, i) => ask(m, i)));
    expect(answers.size).toBeGreaterThan(1);
  });
});
