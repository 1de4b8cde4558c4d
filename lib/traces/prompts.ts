/**
 * The prompt templates and wire formats of reasoning traces. They are the contract between the trace
 * generator (lib/traces), the grader (lib/grading) and the simulated provider (sim/), which imports
 * these very constants so the three never drift apart.
 *
 * Formats:
 * - a step:          `Step <n>: <short title>\n<body>` (one per assistant turn)
 * - a final answer:  `\boxed{<answer>}` (the grader also accepts `<answer>…</answer>`, `Final answer:` and `#### N`)
 * - not sure yet:    a reply to the final check that contains NOT_YET and no box
 * - a verdict:       `VERDICT: correct` or `VERDICT: incorrect\nFIRST_WRONG_STEP: <n>\nREASON: <text>`
 */

/*
 * No version to bump: the ledger key holds a content hash of these texts, templates and formats per prompt
 * style (./promptSet.ts, `PROMPTS_HASH`), so changing one re-samples by itself. A new prompt goes into the
 * set there as well (tests/unit/traces/promptSet.test.ts fails on a request text the set does not cover).
 */

export const STEP_SYSTEM_PROMPT = [
  'You are solving a math problem one small step at a time.',
  'Each reply is exactly one step: start with "Step <n>: <short title>" on its own line, then the work for that step.',
  'Take small steps and check each one. Do not give the final answer until you have verified it.',
  'When asked for the final answer: if you are sure, reply with it as \\boxed{<answer>}; if not, reply "NOT_YET" and continue.',
].join('\n');

export const COT_SYSTEM_PROMPT = [
  'Solve the math problem. Think step by step, one short step per line, each line starting with "Step <n>:".',
  'End with the final answer as \\boxed{<answer>}.',
].join('\n');

export const VERIFIER_SYSTEM_PROMPT = [
  'You check a partial solution to a math problem for errors.',
  'Read the problem and the numbered steps. Reply with "VERDICT: correct" if every step is right so far.',
  'Otherwise reply with "VERDICT: incorrect", then "FIRST_WRONG_STEP: <n>" and "REASON: <one sentence>".',
].join('\n');

export const NOT_YET = 'NOT_YET';

/** The first user message of every conversation about a problem; the sim finds the problem by this text. */
export function problemPrompt(question: string): string {
  return `Problem:\n${question}`;
}

/** Extracts the problem text back out of a first user message (the inverse of problemPrompt). */
export function questionFromPrompt(content: string): string | undefined {
  return content.startsWith('Problem:\n') ? content.slice('Problem:\n'.length) : undefined;
}

/** Varied "continue" turns so the student does not learn a single fixed cue. */
export const CONTINUE_PROMPTS: readonly string[] = [
  'Continue with the next step.',
  'Go on: next small step.',
  'Next step, please.',
  'Keep going with one more step.',
  'Continue. One step only.',
];

export function continuePrompt(turn: number): string {
  return CONTINUE_PROMPTS[turn % CONTINUE_PROMPTS.length]!;
}

export const FINAL_CHECK_PROMPT = `Are you sure of the final answer now? If so, give it as \\boxed{<answer>}. If not, reply "${NOT_YET}".`;

/** The critique's reason when the verifier flagged a step without giving one. */
export const DEFAULT_CRITIQUE_REASON = 'this step does not follow from the previous ones';

export function critiquePrompt(step: number | string, reason: string): string {
  return `A reviewer found an error in step ${step}: ${reason}\nRedo step ${step} correctly, as one step.`;
}

export function formatStep(n: number, title: string, body: string): string {
  return `Step ${n}: ${title}\n${body}`;
}

/** A step reply: what the trace generator counts as a step (and shows the verifier). */
export const STEP_RE = /^Step (\d+):\s*(.*)$/m;

export function parseStep(content: string): { n: number; title: string } | undefined {
  const m = STEP_RE.exec(content);
  return m ? { n: Number(m[1]), title: m[2]!.trim() } : undefined;
}

export function formatFinalAnswer(answer: string): string {
  return `\\boxed{${answer}}`;
}

/** The verifier sees the problem and the steps so far, never the chat history itself. */
export function verifierPrompt(question: string, steps: readonly string[]): string {
  return `${problemPrompt(question)}\n\nSteps so far:\n${steps.join('\n\n')}`;
}

export interface Verdict {
  ok: boolean;
  firstWrongStep?: number;
  reason?: string;
}

export function formatVerdict(v: Verdict): string {
  if (v.ok) return 'VERDICT: correct';
  return `VERDICT: incorrect\nFIRST_WRONG_STEP: ${v.firstWrongStep ?? 1}\nREASON: ${v.reason ?? 'the step does not follow'}`;
}

/** The parts of a verifier reply: the verdict, the first wrong step and the reason. */
export const VERDICT_RE = /VERDICT:\s*(correct|incorrect)/i;
export const FIRST_WRONG_STEP_RE = /FIRST_WRONG_STEP:\s*(\d+)/i;
export const REASON_RE = /REASON:\s*(.+)/i;

/** Parses a verifier reply; anything unreadable is `undefined` (the caller treats it as no verdict). */
export function parseVerdict(text: string): Verdict | undefined {
  const verdict = VERDICT_RE.exec(text);
  if (!verdict) return undefined;
  if (verdict[1]!.toLowerCase() === 'correct') return { ok: true };
  const step = FIRST_WRONG_STEP_RE.exec(text);
  const reason = REASON_RE.exec(text);
  return { ok: false, firstWrongStep: step ? Number(step[1]) : undefined, reason: reason?.[1]?.trim() };
}
