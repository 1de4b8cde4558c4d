import { createHash } from 'node:crypto';
import {
  CONTINUE_PROMPTS,
  continuePrompt,
  COT_SYSTEM_PROMPT,
  critiquePrompt,
  DEFAULT_CRITIQUE_REASON,
  FINAL_CHECK_PROMPT,
  FIRST_WRONG_STEP_RE,
  problemPrompt,
  REASON_RE,
  STEP_RE,
  STEP_SYSTEM_PROMPT,
  VERDICT_RE,
  VERIFIER_SYSTEM_PROMPT,
  verifierPrompt,
} from './prompts';
import type { TraceRecord } from './record';

/**
 * The prompt set of each sampling style, and its content hash: the `prompts` field of the ledger's sampling
 * params (activities/sampling.ts), so a sample is reused only under the very prompts it was drawn with. A
 * changed text, template or wire format gives a new hash and new ledger keys (the samples are redone); no
 * version is bumped by hand.
 *
 * What a set holds is what decides the requests the generators send (lib/traces/generateCot.ts,
 * generateTrace.ts): the texts as they are sent, each template rendered with named slots (`{{question}}`)
 * where a call puts its arguments, the continue prompts in the order the turns rotate through them, and the
 * formats whose parsing decides the next request (what counts as a step, how a verdict is read). Rendered
 * values, never function source: the hash is the same under tsc, tsx and ts-jest.
 *
 * Not here, and versioned elsewhere: the sampling options (temperature, max tokens, seed, turn and check
 * cadence: their own fields of the sampling params) and the control flow of the turn loop.
 */
export type PromptStyle = TraceRecord['style'];

export type PromptSet = Readonly<Record<string, string | readonly string[]>>;

/** Where a rendered template takes an argument. */
export function slot(name: string): string {
  return `{{${name}}}`;
}

const format = (re: RegExp) => `/${re.source}/${re.flags}`;

/** The prompt set of a style, every text and template rendered to plain strings. */
export function promptSet(style: PromptStyle): PromptSet {
  const problem = problemPrompt(slot('question'));
  if (style === 'cot') return { style, system: COT_SYSTEM_PROMPT, problem };
  return {
    style,
    system: STEP_SYSTEM_PROMPT,
    problem,
    // Two rounds of the rotation: the texts and which turn gets which.
    continue: Array.from({ length: 2 * CONTINUE_PROMPTS.length }, (_, turn) => continuePrompt(turn)),
    finalCheck: FINAL_CHECK_PROMPT,
    critique: critiquePrompt(slot('step'), slot('reason')),
    critiqueDefaultReason: DEFAULT_CRITIQUE_REASON,
    verifierSystem: VERIFIER_SYSTEM_PROMPT,
    // No step, one, two: the template and how steps are joined.
    verifier: [[], [slot('step')], [slot('step'), slot('step')]].map((steps) => verifierPrompt(slot('question'), steps)),
    stepFormat: format(STEP_RE),
    verdictFormat: [VERDICT_RE, FIRST_WRONG_STEP_RE, REASON_RE].map(format),
  };
}

/** The first 16 hex digits of the sha256 of a set's canonical JSON (entries sorted by key). */
export function hashPromptSet(set: PromptSet): string {
  const canonical = JSON.stringify(
    Object.keys(set)
      .sort()
      .map((k) => [k, set[k]]),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** The content hash of each style's prompt set, computed once at load. */
export const PROMPTS_HASH: Readonly<Record<PromptStyle, string>> = Object.freeze({
  cot: hashPromptSet(promptSet('cot')),
  'multi-turn': hashPromptSet(promptSet('multi-turn')),
});
