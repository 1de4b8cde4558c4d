import type { TemperatureSchedule, TurnSchedule } from './promptConfig';

/**
 * The user's prompt after `turn` replies (turn >= 1): the last schedule entry that starts at or before it,
 * its prompts in rotation from its first turn on.
 */
export function turnPrompt(schedule: TurnSchedule, turn: number): string {
  let entry = schedule[0]!;
  for (const e of schedule) if (e.fromTurn <= turn) entry = e;
  const k = Math.max(0, turn - entry.fromTurn);
  return entry.prompts[k % entry.prompts.length]!;
}

/**
 * The sampling temperature of the reply after `turn` replies (0 for the first): `from` at turn 0, linear to
 * `to` at turn `overTurns`, then `to`; without a schedule, the constant `base`. Rounded to 6 decimals, so a
 * request (and a seed-keyed provider) sees the same number on every platform.
 */
export function temperatureAt(schedule: TemperatureSchedule | undefined, base: number, turn: number): number {
  if (!schedule) return base;
  const x = Math.min(Math.max(turn, 0), schedule.overTurns) / schedule.overTurns;
  return Math.round((schedule.from + (schedule.to - schedule.from) * x) * 1e6) / 1e6;
}
