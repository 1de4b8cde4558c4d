import { lastBoxed } from '../lib/curriculum/boxed';
import { hashInt } from './hash';

/** Whitespace-free, `$`-free form of an answer for comparison. */
function normalise(answer: string): string {
  return answer.replace(/\s+/g, '').replace(/^\$+|\$+$/g, '').replace(/^\\text\{(.*)\}$/, '$1');
}

/** Whether an answer equals the gold: numerically when both are numbers, else as normalised strings. */
export function sameAnswer(answer: string, gold: string): boolean {
  const a = normalise(answer).replace(/,/g, '');
  const g = normalise(gold).replace(/,/g, '');
  const na = Number(a);
  const ng = Number(g);
  if (a !== '' && g !== '' && Number.isFinite(na) && Number.isFinite(ng)) return Math.abs(na - ng) <= 1e-9 * Math.max(1, Math.abs(ng));
  return a === g;
}

/** Whether a reply's final `\boxed{}` answer equals the gold (the sim's own simple grader for training data). */
export function boxedIsCorrect(text: string, gold: string): boolean {
  const boxed = lastBoxed(text);
  return boxed !== undefined && sameAnswer(boxed, gold);
}

/** A plausible wrong answer: the first integer of the gold moved by a small nonzero amount. */
export function wrongAnswer(gold: string, ...key: (string | number)[]): string {
  const delta = nonzeroDelta(...key);
  const m = /-?\d+/.exec(gold);
  if (!m) return `${gold}+${Math.abs(delta)}`;
  const moved = Number(m[0]) + delta;
  return gold.slice(0, m.index) + String(moved) + gold.slice(m.index + m[0].length);
}

/** An integer in {-3..-1, 1..3}. */
export function nonzeroDelta(...key: (string | number)[]): number {
  const k = hashInt(0, 5, ...key, 'delta');
  return k < 3 ? k - 3 : k - 2;
}
