import { stepLine } from './steps';
import { failAt, type StepCheckInput, type StepChecker, type StepFailure } from './types';

/**
 * The modchain rule (curricula/modchain.yaml; python/strawberry_local/modchain.py): the question is
 * `chain <frame>`, a fixed-width frame of dots then a chain `d op d op d ...` (op one of + - *) evaluated left
 * to right modulo 10. Each step line is the line above with its leftmost `a op b` replaced by `..r`, r = (a op
 * b) mod 10, so every line has the frame's width and changes only where the chain is consumed; the last line
 * is dots and one digit, the answer.
 */
export function modchainStep(line: string): string | undefined {
  const m = /^(\.*)(\d)([-+*])(\d)/.exec(line);
  if (!m) return undefined;
  const a = Number(m[2]);
  const b = Number(m[4]);
  const r = m[3] === '+' ? a + b : m[3] === '-' ? a - b : a * b;
  return `${m[1]}..${((r % 10) + 10) % 10}${line.slice(m[0].length)}`;
}

export function modchainFailures({ problem, steps }: StepCheckInput): StepFailure[] {
  let cur = problem.question.trim().split(/\s+/).pop() ?? '';
  for (const s of steps) {
    const want = modchainStep(cur);
    if (want === undefined) return [failAt(s, `\`${cur}\` is already finished: no step follows it`)];
    const line = stepLine(s.text);
    if (line !== want) return [failAt(s, `\`${line}\` does not follow from \`${cur}\` (expected \`${want}\`)`)];
    cur = want;
  }
  if (modchainStep(cur) !== undefined) {
    const last = steps[steps.length - 1];
    return [last ? failAt(last, `\`${cur}\` is not finished: steps are missing`) : { step: 1, messageIndex: -1, reason: 'no steps' }];
  }
  return [];
}

export const modchainChecker = (name = 'modchain'): StepChecker => ({ name, check: modchainFailures });
