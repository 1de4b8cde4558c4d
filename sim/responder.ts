import type { Problem } from '../lib/curriculum/types';
import {
  COT_SYSTEM_PROMPT,
  critiquePrompt,
  FINAL_CHECK_PROMPT,
  formatFinalAnswer,
  formatStep,
  formatVerdict,
  isStepSystemPrompt,
  isVerifierSystemPrompt,
  NOT_YET,
  parseStep,
  parseTranscript,
  questionFromPrompt,
} from '../lib/traces/prompts';
import { standingSteps, traceSteps } from '../lib/stepChecks/steps';
import { nonzeroDelta, wrongAnswer } from './answers';
import type { SimConfig } from './config';
import { hashHex, hashInt, hashUnit } from './hash';
import type { ProblemIndex } from './problems';
import { solverFor, type SolveState, type Solver, type StepText } from './solutions';
import { passProbability, type Abilities } from './students';

/**
 * What a simulated model says. Every choice is a pure function of (model, problem, seed, choice index) and,
 * within a multi-turn trace, of the conversation so far — never of time or order — so identical requests give
 * identical replies. Modes by system prompt: STEP (one step per turn; the step prompt of any domain), COT
 * (all steps then \boxed{}), VERIFIER (a JSON verdict; the verifier prompt of any domain), anything else (a
 * direct \boxed{} answer).
 */

export interface ChatMessage {
  role: string;
  content: string;
}

export interface SampleRequest {
  model: string;
  student: Abilities;
  messages: readonly ChatMessage[];
  temperature: number;
  seed: number;
  choice: number;
}

/** The decisions taken once per sample, at its start. */
export interface SamplePlan {
  key: (string | number)[];
  correct: boolean;
  /** The step at which a wrong sample goes wrong. */
  divergeStep: number;
}

export function planSample(req: SampleRequest, problem: Problem, solver: Solver, cfg: SimConfig): SamplePlan {
  const key = [req.model, problem.id, req.seed, req.choice];
  const p = passProbability(req.student, problem, req.temperature, cfg);
  return {
    key,
    correct: hashUnit(...key, 'correct') < p,
    divergeStep: hashInt(1, Math.max(1, solver.totalSteps), ...key, 'diverge'),
  };
}

/** Matches critiquePrompt(n, reason) for any n and reason (built from the template so the two never drift). */
const CRITIQUE_RE = new RegExp(
  '^' +
    escapeRe(critiquePrompt(999999, '\u0000'))
      .split('999999')
      .join('(\\d+)')
      .replace('\u0000', '[\\s\\S]*') +
    '$',
);
export function respond(req: SampleRequest, problems: ProblemIndex, cfg: SimConfig): string {
  const system = req.messages.find((m) => m.role === 'system' || m.role === 'developer')?.content.trim();
  const userTexts = req.messages.filter((m) => m.role === 'user').map((m) => m.content);
  if (system !== undefined && isVerifierSystemPrompt(system)) return verify(req, userTexts[userTexts.length - 1] ?? '', problems, cfg);
  const problem = userTexts.length ? problems.fromUserText(userTexts[0]!) : undefined;
  if (system !== undefined && isStepSystemPrompt(system)) return stepReply(req, problem, cfg);
  if (!problem) return 'I could not work out this problem.';
  const solver = solverFor(problem);
  const plan = planSample(req, problem, solver, cfg);
  if (system === COT_SYSTEM_PROMPT.trim()) {
    const { lines, state } = solveAll(solver, plan);
    return `${lines.map((l, i) => `Step ${i + 1}: ${l.title}. ${l.body.replace(/\n/g, '; ')}`).join('\n')}\n${formatFinalAnswer(solver.answer(state))}`;
  }
  const answer = plan.correct ? problem.answer : wrongAnswer(problem.answer, ...plan.key);
  return `The answer is ${formatFinalAnswer(answer)}.`;
}

/** The wrong amount of step n under the plan (0 = the step is right). */
function wrongBy(plan: SamplePlan, n: number, attempt = 0): number {
  if (plan.correct || n !== plan.divergeStep) return 0;
  return nonzeroDelta(...plan.key, 'step', n, attempt);
}

function solveAll(solver: Solver, plan: SamplePlan): { lines: StepText[]; state: SolveState } {
  let state = solver.initial();
  const lines: StepText[] = [];
  while (!solver.isDone(state) && lines.length < 64) {
    const r = solver.next(state, wrongBy(plan, state.done + 1));
    lines.push(r.step);
    state = r.state;
  }
  return { lines, state };
}

function stepReply(req: SampleRequest, problem: Problem | undefined, cfg: SimConfig): string {
  const last = req.messages[req.messages.length - 1];
  const lastUser = last && last.role === 'user' ? last.content.trim() : '';
  const assistantSteps = req.messages.filter((m) => m.role === 'assistant').map((m) => ({ text: m.content, step: parseStep(m.content) }));
  const lastStepNo = [...assistantSteps].reverse().find((s) => s.step)?.step?.n ?? 0;

  if (!problem) {
    if (lastUser === FINAL_CHECK_PROMPT.trim()) return NOT_YET;
    return formatStep(lastStepNo + 1, 'Think about the problem', 'I am not sure how to approach this yet.');
  }
  const solver = solverFor(problem);
  const plan = planSample(req, problem, solver, cfg);

  // The state after step n as the conversation shows it (the latest version of that step, e.g. a redo).
  const stateAfter = (n: number): SolveState => {
    if (n <= 0) return solver.initial();
    for (let i = assistantSteps.length - 1; i >= 0; i--) {
      const s = assistantSteps[i]!;
      if (s.step?.n === n) {
        const read = solver.read(n, s.text);
        if (read) return read;
        break;
      }
    }
    // A step the sim cannot read: replay the plan up to it.
    let state = solver.initial();
    while (state.done < n && !solver.isDone(state)) state = solver.next(state, wrongBy(plan, state.done + 1)).state;
    return state;
  };

  const critique = CRITIQUE_RE.exec(lastUser);
  if (critique) {
    const n = Number(critique[1]);
    const before = stateAfter(n - 1);
    if (solver.isDone(before)) return formatStep(n, 'Final answer', `So the answer is ${formatFinalAnswer(solver.answer(before))}.`);
    const critiques = req.messages.filter((m) => m.role === 'user' && CRITIQUE_RE.test(m.content.trim())).length;
    const fixed = hashUnit(...plan.key, 'fix', n, critiques, hashHex(...req.messages.map((m) => m.content))) < cfg.traces.critiqueFixRate;
    const wrong = before.diverged || fixed ? 0 : wrongBy(plan, n, critiques);
    return render(solver.next(before, wrong).step, n);
  }

  const state = stateAfter(lastStepNo);
  if (lastUser === FINAL_CHECK_PROMPT.trim()) return solver.isDone(state) ? formatFinalAnswer(solver.answer(state)) : NOT_YET;
  const n = lastStepNo + 1;
  if (solver.isDone(state)) return formatStep(n, 'Final answer', `So the answer is ${formatFinalAnswer(solver.answer(state))}.`);
  return render(solver.next(state, state.diverged ? 0 : wrongBy(plan, n)).step, n);
}

function render(step: StepText, n: number): string {
  return formatStep(n, step.title, step.body);
}

function verify(req: SampleRequest, content: string, problems: ProblemIndex, cfg: SimConfig): string {
  // The whole conversation: the steps that stand (a redone step replaces the earlier one) are judged.
  const read = parseTranscript(content);
  const question = read?.question ?? questionFromPrompt(content) ?? content;
  const problem = problems.byText(question) ?? problems.fromUserText(question);
  if (!problem) return 'I cannot check this problem.';
  const solver = solverFor(problem);
  const turns = (read?.entries ?? []).filter((e) => e.label.startsWith('student')).map((e) => ({ role: 'assistant' as const, content: e.content }));
  const steps = standingSteps(traceSteps(turns))
    .map((s) => ({ text: s.text, step: parseStep(s.text) }))
    .filter((s) => s.step);

  // The truth: the first step whose written value no longer leads to the gold answer.
  let firstWrong: { n: number; now: string } | undefined;
  for (const s of steps) {
    const read = solver.read(s.step!.n, s.text);
    if (read?.diverged) {
      firstWrong = { n: s.step!.n, now: read.now };
      break;
    }
  }
  const key = [req.model, problem.id, req.seed, req.choice, hashHex(content)];
  const right = hashUnit(...key, 'verdict') < cfg.traces.verifierAccuracy;
  if (right) {
    if (!firstWrong) return formatVerdict({ ok: true });
    return formatVerdict({ ok: false, firstWrongStep: firstWrong.n, reason: `step ${firstWrong.n} writes ${firstWrong.now}, which does not follow from the previous step.` });
  }
  if (firstWrong || steps.length === 0) return formatVerdict({ ok: true });
  const n = steps[hashInt(0, steps.length - 1, ...key, 'blame')]!.step!.n;
  return formatVerdict({ ok: false, firstWrongStep: n, reason: `the computation in step ${n} looks off.` });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
