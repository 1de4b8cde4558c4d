import { stepLine } from './steps';
import { failAt, type StepCheckInput, type StepChecker, type StepFailure } from './types';

/**
 * The sortsteps rule (curricula/sortsteps.yaml; python/strawberry_local/sortsteps.py): the question is
 * `sort <digits>`, every step line is the line above with one adjacent descending pair swapped, and the last
 * line is sorted. The same rule as `valid_steps` of python/strawberry_local/evaluate.py.
 */
export function sortstepsFailures({ problem, steps }: StepCheckInput): StepFailure[] {
  let cur = problem.question.trim().split(/\s+/).pop() ?? '';
  const sorted = [...cur].sort().join('');
  for (const s of steps) {
    const line = stepLine(s.text);
    const diff = [...cur].map((_, i) => i).filter((i) => line[i] !== cur[i]);
    const ok = line.length === cur.length && diff.length === 2 && diff[1] === diff[0]! + 1 && cur[diff[0]!]! > cur[diff[1]!]! && line[diff[0]!] === cur[diff[1]!] && line[diff[1]!] === cur[diff[0]!];
    if (!ok) return [failAt(s, `\`${line}\` is not one adjacent swap of a descending pair of \`${cur}\``)];
    cur = line;
  }
  const last = steps[steps.length - 1];
  if (cur !== sorted) return last ? [failAt(last, `\`${cur}\` is not sorted: steps are missing`)] : [{ step: 1, messageIndex: -1, reason: 'no steps' }];
  return [];
}

export const sortstepsChecker = (name = 'sortsteps'): StepChecker => ({ name, check: sortstepsFailures });
