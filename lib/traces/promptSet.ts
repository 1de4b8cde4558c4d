import { createHash } from 'node:crypto';
import { promptsSchema, type Prompts, type PromptsInput, type TemperatureSchedule, type TurnSchedule } from './promptConfig';
import {
  COT_SYSTEM_PROMPT,
  critiquePrompt,
  DEFAULT_CRITIQUE_REASON,
  FINAL_CHECK_PROMPT,
  FIRST_WRONG_STEP_RE,
  problemPrompt,
  REASON_RE,
  DEFAULT_TURN_SCHEDULE,
  STEP_RE,
  stepSystemPrompt,
  UNREADABLE_VERDICT_REASON,
  VERDICT_JSON_SCHEMA,
  VERDICT_RE,
  verifierPrompt,
  verifierSystemPrompt,
} from './prompts';
import { turnPrompt } from './schedules';
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

/** A multi-turn run's prompts with every default filled in (from a curriculum's `prompts:`, or none). */
export interface TracePrompts {
  domain: string;
  system: string;
  verifierSystem: string;
  turnSchedule: TurnSchedule;
  temperatureSchedule?: TemperatureSchedule;
}

export function resolvePrompts(input: PromptsInput | Prompts | undefined): TracePrompts {
  const p = promptsSchema.parse(input ?? {});
  return {
    domain: p.domain,
    system: p.system ?? stepSystemPrompt(p.domain),
    verifierSystem: p.verifierSystem ?? verifierSystemPrompt(p.domain),
    turnSchedule: p.turnSchedule ?? DEFAULT_TURN_SCHEDULE,
    ...(p.temperatureSchedule ? { temperatureSchedule: p.temperatureSchedule } : {}),
  };
}

/** The turns a set renders of a schedule: each entry's turns through two rounds of its rotation, and past the last. */
function scheduledTurns(schedule: TurnSchedule): string[] {
  const last = schedule[schedule.length - 1]!;
  const upTo = Math.max(...schedule.map((e) => e.fromTurn + 2 * e.prompts.length)) + 2 * last.prompts.length;
  return Array.from({ length: upTo }, (_, i) => turnPrompt(schedule, i + 1));
}

/** The prompt set of a style, every text and template rendered to plain strings (multi-turn: under `prompts`). */
export function promptSet(style: PromptStyle, prompts: TracePrompts = resolvePrompts(undefined)): PromptSet {
  const problem = problemPrompt(slot('question'));
  if (style === 'cot') return { style, system: COT_SYSTEM_PROMPT, problem };
  const student = { label: 'student', content: slot('step') };
  return {
    style,
    system: prompts.system,
    problem,
    // The schedule as the turns see it: which turn gets which text.
    continue: scheduledTurns(prompts.turnSchedule),
    ...(prompts.temperatureSchedule ? { temperatureSchedule: JSON.stringify(prompts.temperatureSchedule) } : {}),
    finalCheck: FINAL_CHECK_PROMPT,
    critique: critiquePrompt(slot('step'), slot('reason')),
    critiqueDefaultReason: DEFAULT_CRITIQUE_REASON,
    critiqueUnreadableReason: UNREADABLE_VERDICT_REASON,
    verifierSystem: prompts.verifierSystem,
    // No entry, one, two: the template and how the conversation's entries are written and joined.
    verifier: [[], [student], [student, { label: slot('role'), content: slot('text') }]].map((entries) => verifierPrompt(slot('question'), entries)),
    stepFormat: format(STEP_RE),
    verdictSchema: JSON.stringify(VERDICT_JSON_SCHEMA),
    verdictFormat: [VERDICT_RE, FIRST_WRONG_STEP_RE, REASON_RE].map(format),
  };
}

/** The content hash of a multi-turn run's prompt set (the ledger's `prompts` param). */
export function multiTurnPromptsHash(prompts: TracePrompts): string {
  return hashPromptSet(promptSet('multi-turn', prompts));
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
