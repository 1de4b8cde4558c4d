import { z } from 'zod';

/**
 * A curriculum's prompt set (curriculum YAML `prompts:`): what the student and the verifier are told, the
 * user's turn prompts by turn number and the temperature by turn. Everything has a default, so a curriculum
 * without `prompts:` gets the defaults below; the rendered set's content hash keys the ledger
 * (./promptSet.ts), so a changed prompt re-samples by itself.
 *
 * ```yaml
 * prompts:
 *   domain: sorting digits by adjacent swaps     # named in the system and verifier prompts (default: math)
 *   system: "..."                                # default: the first-principles step prompt for the domain
 *   turnSchedule:                                # the user's turn prompts, by the number of replies so far
 *     - { fromTurn: 1, prompts: ['Continue with the next step.'] }
 *     - { fromTurn: 6, prompts: ['Check your last step from first principles, then take the next one.'] }
 *   temperatureSchedule: { from: 0.3, to: 1.0, overTurns: 8 }   # default: traces.temperature every turn
 * ```
 */
export const turnScheduleSchema = z
  .array(
    z
      .object({
        fromTurn: z.number().int().min(1).describe('the first turn (replies so far) this entry applies to'),
        prompts: z.array(z.string().min(1)).min(1).describe('the prompts of those turns, in rotation'),
      })
      .strict(),
  )
  .min(1)
  .superRefine((s, ctx) => {
    if (s[0]!.fromTurn !== 1) ctx.addIssue({ code: 'custom', path: [0, 'fromTurn'], message: 'the first entry must start at turn 1' });
    s.forEach((e, i) => {
      if (i > 0 && e.fromTurn <= s[i - 1]!.fromTurn) ctx.addIssue({ code: 'custom', path: [i, 'fromTurn'], message: 'entries must start at increasing turns' });
    });
  });

export const temperatureScheduleSchema = z
  .object({
    from: z.number().min(0).max(2).describe('temperature of the first reply'),
    to: z.number().min(0).max(2).describe('temperature from turn `overTurns` on'),
    overTurns: z.number().int().min(1).describe('replies over which it moves linearly from `from` to `to`'),
  })
  .strict();

export const promptsSchema = z
  .object({
    domain: z.string().min(1).default('math').describe('what the problems are about, named in the student and verifier prompts'),
    system: z.string().min(1).optional().describe("the student's system prompt (default: the first-principles step prompt for the domain)"),
    verifierSystem: z.string().min(1).optional().describe("the verifier's system prompt (default: the domain's verifier prompt)"),
    turnSchedule: turnScheduleSchema.optional().describe('user prompts by turn number (default: DEFAULT_TURN_SCHEDULE)'),
    temperatureSchedule: temperatureScheduleSchema.optional(),
  })
  .strict();

export type TurnSchedule = z.infer<typeof turnScheduleSchema>;
export type TemperatureSchedule = z.infer<typeof temperatureScheduleSchema>;
export type PromptsInput = z.input<typeof promptsSchema>;
export type Prompts = z.infer<typeof promptsSchema>;
