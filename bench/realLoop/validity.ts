import { buildChecker, checkTrace, type StepChecker } from '../../lib/stepChecks';
import type { Level, Problem } from '../../lib/curriculum/types';

/** The task's step checkers of a level (those the curriculum declares), whatever the campaign filtered with. */
export function levelCheckers(level: Level): StepChecker[] {
  return (level.stepCheckers ?? []).map((s) => buildChecker(s));
}

/** Whether a completion's standing steps pass every checker (true when there is none). */
export async function stepsValid(p: Problem, content: string, checkers: readonly StepChecker[]): Promise<boolean> {
  if (checkers.length === 0) return true;
  const res = await checkTrace({ problemId: p.id, messages: [{ role: 'assistant', content }] }, p, checkers);
  return res.every((r) => r.failed.length === 0);
}
