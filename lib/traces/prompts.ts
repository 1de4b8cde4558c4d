/**
 * The prompt templates and wire formats of reasoning traces. They are the contract between the trace
 * generator (lib/traces), the grader (lib/grading) and the simulated provider (sim/), which imports
 * these very constants so the three never drift apart.
 *
 * Formats:
 * - a step:          `Step <n>: <short title>\n<body>` (one per assistant turn)
 * - a final answer:  `\boxed{<answer>}` (the grader also accepts `<answer>…</answer>`, `Final answer:` and `#### N`)
 * - not sure yet:    a reply to the final check that contains NOT_YET and no box
 * - a verdict:       JSON `{"verdict": "correct"|"incorrect", "firstWrongStep": <n>, "reason": <text>}` (VERDICT_JSON_SCHEMA;
 *                    the older `VERDICT: correct|incorrect / FIRST_WRONG_STEP / REASON` lines are still read)
 */

import type { TurnSchedule } from './promptConfig';
import { turnPrompt } from './schedules';

/*
 * No version to bump: the ledger key holds a content hash of these texts, templates and formats per prompt
 * style (./promptSet.ts, `PROMPTS_HASH`), so changing one re-samples by itself. A new prompt goes into the
 * set there as well (tests/unit/traces/promptSet.test.ts fails on a request text the set does not cover).
 */

/**
 * The student's system prompt for a domain (the curriculum's `prompts.domain`): one small step per turn,
 * each reasoned from first principles and checked, as the upstream open-strawberry demo asks.
 */
export function stepSystemPrompt(domain: string): string {
  return [
    `You are solving a ${domain} problem one small step at a time, reasoning from first principles.`,
    'Each reply is exactly one step: start with "Step <n>: <short title>" on its own line, then the work for that step.',
    'Build each step only on what the problem states and what earlier steps established; state every fact you use and check it before you rely on it.',
    'Take small steps and check each one. Do not give the final answer until you have verified it.',
    'When asked for the final answer: if you are sure, reply with it as \\boxed{<answer>}; if not, reply "NOT_YET" and continue.',
  ].join('\n');
}

export const STEP_SYSTEM_PROMPT = stepSystemPrompt('math');

export const COT_SYSTEM_PROMPT = [
  'Solve the math problem. Think step by step, one short step per line, each line starting with "Step <n>:".',
  'End with the final answer as \\boxed{<answer>}.',
].join('\n');

/** The verifier's system prompt for a domain: it reads the whole conversation and answers one JSON verdict. */
export function verifierSystemPrompt(domain: string): string {
  return [
    `You check a partial solution to a ${domain} problem for errors.`,
    'You are given the problem and the whole conversation so far: every step the student wrote, earlier reviews and the steps redone after them.',
    'Judge the steps that stand (a step redone after a review replaces the earlier version).',
    'Reply with one JSON object and nothing else: {"verdict": "correct"} if every standing step is right so far,',
    'otherwise {"verdict": "incorrect", "firstWrongStep": <n>, "reason": "<one sentence>"}.',
  ].join('\n');
}

export const VERIFIER_SYSTEM_PROMPT = verifierSystemPrompt('math');

/** A system prompt made by `template(domain)` for some domain (how the sim tells the modes apart). */
function madeBy(template: (domain: string) => string, text: string): boolean {
  const [head, tail] = template('\u0000').split('\u0000');
  return text.startsWith(head!) && text.endsWith(tail!) && text.length > head!.length + tail!.length && !text.slice(head!.length, text.length - tail!.length).includes('\n');
}
export const isStepSystemPrompt = (text: string): boolean => madeBy(stepSystemPrompt, text.trim());
export const isVerifierSystemPrompt = (text: string): boolean => madeBy(verifierSystemPrompt, text.trim());

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

/**
 * The default turn schedule (curriculum `prompts.turnSchedule`): plain "next step" turns first, then turns
 * that ask the student to check its last step from first principles, then, in a long trace, to step back and
 * reconsider, the way the upstream demo varies the user's prompts over the conversation.
 */
export const DEFAULT_TURN_SCHEDULE: TurnSchedule = [
  { fromTurn: 1, prompts: [...CONTINUE_PROMPTS] },
  {
    fromTurn: 6,
    prompts: ['Check your last step from first principles, then take the next small step.', 'Is your last step right? Verify it, then continue with one step.'],
  },
  {
    fromTurn: 12,
    prompts: ['Re-read the problem. If your approach is not working, try another from first principles; one step only.', 'Step back: what do the steps so far establish? Continue with one small step.'],
  },
];

/** The user's prompt after `turn` replies under the default schedule. */
export function continuePrompt(turn: number, schedule: TurnSchedule = DEFAULT_TURN_SCHEDULE): string {
  return turnPrompt(schedule, turn);
}

export const FINAL_CHECK_PROMPT = `Are you sure of the final answer now? If so, give it as \\boxed{<answer>}. If not, reply "${NOT_YET}".`;

/** The critique's reason when the verifier's verdict could not be read (under `onUnparsed: flag`). */
export const UNREADABLE_VERDICT_REASON = 'the reviewer could not confirm this step; check it and write it again';

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

/** One entry of the conversation as the verifier reads it. */
export interface TranscriptEntry {
  /** `student`, `student (redone later)`, or `user` (the turn prompts and earlier reviews). */
  label: string;
  content: string;
}

/** What separates the problem from the conversation in verifierPrompt. */
export const CONVERSATION_MARK = '\n\nConversation so far:\n';

export function formatEntry(e: TranscriptEntry): string {
  return `[${e.label}]\n${e.content}`;
}

/**
 * The verifier's user message: the problem and the whole conversation after it (every step, the turn
 * prompts, earlier critiques and the redone steps), one `[label]` entry each. A bare string is a student turn.
 */
export function verifierPrompt(question: string, entries: readonly (string | TranscriptEntry)[]): string {
  const body = entries.map((e) => formatEntry(typeof e === 'string' ? { label: 'student', content: e } : e)).join('\n\n');
  return `${problemPrompt(question)}${CONVERSATION_MARK}${body}`;
}

/** The entries of a conversation as verifierPrompt wrote them (the inverse, for the sim and tests). */
export function parseTranscript(text: string): { question: string; entries: TranscriptEntry[] } | undefined {
  const cut = text.indexOf(CONVERSATION_MARK);
  if (cut < 0) return undefined;
  const question = questionFromPrompt(text.slice(0, cut)) ?? text.slice(0, cut);
  const parts = text.slice(cut + CONVERSATION_MARK.length).split(/(?:^|\n\n)\[([^\]\n]+)\]\n/);
  const entries: TranscriptEntry[] = [];
  for (let i = 1; i < parts.length; i += 2) entries.push({ label: parts[i]!, content: parts[i + 1] ?? '' });
  return { question, entries };
}

export interface Verdict {
  ok: boolean;
  firstWrongStep?: number;
  reason?: string;
}

/** The verdict's JSON schema: the `response_format` of providers with structured outputs, and the format asked for. */
export const VERDICT_JSON_SCHEMA = {
  type: 'object',
  properties: {
    verdict: { type: 'string', enum: ['correct', 'incorrect'] },
    firstWrongStep: { type: ['integer', 'null'], minimum: 1 },
    reason: { type: ['string', 'null'] },
  },
  required: ['verdict', 'firstWrongStep', 'reason'],
  additionalProperties: false,
} as const;

export function formatVerdict(v: Verdict): string {
  if (v.ok) return JSON.stringify({ verdict: 'correct', firstWrongStep: null, reason: null });
  return JSON.stringify({ verdict: 'incorrect', firstWrongStep: v.firstWrongStep ?? 1, reason: v.reason ?? 'the step does not follow' });
}

/** The parts of a verifier reply in the older text format, still read: the verdict, the first wrong step and the reason. */
export const VERDICT_RE = /VERDICT:\s*(correct|incorrect)/i;
export const FIRST_WRONG_STEP_RE = /FIRST_WRONG_STEP:\s*(\d+)/i;
export const REASON_RE = /REASON:\s*(.+)/i;

/** The JSON verdict in a reply: the whole reply, or its first `{...}` (a model that wrapped it in prose or a code fence). */
function jsonVerdict(text: string): Verdict | undefined {
  const candidates = [text.trim()];
  const a = text.indexOf('{');
  const b = text.lastIndexOf('}');
  if (a >= 0 && b > a) candidates.push(text.slice(a, b + 1));
  for (const c of candidates) {
    let v: unknown;
    try {
      v = JSON.parse(c);
    } catch {
      continue;
    }
    const o = v as { verdict?: unknown; firstWrongStep?: unknown; reason?: unknown } | null;
    if (!o || typeof o !== 'object' || typeof o.verdict !== 'string') continue;
    const verdict = o.verdict.toLowerCase();
    if (verdict === 'correct') return { ok: true };
    if (verdict !== 'incorrect') continue;
    const step = typeof o.firstWrongStep === 'number' && Number.isInteger(o.firstWrongStep) && o.firstWrongStep >= 1 ? o.firstWrongStep : undefined;
    const reason = typeof o.reason === 'string' && o.reason.trim() !== '' ? o.reason.trim() : undefined;
    return { ok: false, ...(step !== undefined ? { firstWrongStep: step } : {}), ...(reason !== undefined ? { reason } : {}) };
  }
  return undefined;
}

/** Parses a verifier reply (JSON, else the text format); anything unreadable is `undefined` (the caller's policy decides). */
export function parseVerdict(text: string): Verdict | undefined {
  const json = jsonVerdict(text);
  if (json) return json;
  const verdict = VERDICT_RE.exec(text);
  if (!verdict) return undefined;
  if (verdict[1]!.toLowerCase() === 'correct') return { ok: true };
  const step = FIRST_WRONG_STEP_RE.exec(text);
  const reason = REASON_RE.exec(text);
  return { ok: false, firstWrongStep: step ? Number(step[1]) : undefined, reason: reason?.[1]?.trim() };
}
