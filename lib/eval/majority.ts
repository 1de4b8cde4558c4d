/**
 * maj@k (self-consistency, Wang et al. 2022): the answer most of a problem's first k samples give, graded
 * against the gold. Answers are grouped by the grader's equivalence (lib/grading answersEquivalent), so
 * "1/2", "0.5" and "\frac{1}{2}" are one vote; samples without an answer do not vote.
 */
import { answersEquivalent, type AnswerType } from '../grading/answersEquivalent';

export interface Vote {
  /** The extracted final answer, or undefined when the sample gave none. */
  answer: string | undefined;
  /** Whether the grader judged this answer correct. */
  correct: boolean;
}

export interface MajorityResult {
  /** A representative (the first written form) of the winning group, undefined when nobody answered. */
  answer: string | undefined;
  votes: number;
  correct: boolean;
}

/**
 * Groups the votes by equivalence to each group's first answer (in sample order) and returns the largest
 * group. Ties go to the group whose first vote came earliest, so the result is a function of the samples
 * in their index order (deterministic, like the ledger's sample indices).
 */
export function majorityVote(votes: readonly Vote[], answerType: AnswerType): MajorityResult {
  const groups: { answer: string; votes: number; first: number; correct: boolean }[] = [];
  votes.forEach((v, i) => {
    if (v.answer === undefined || v.answer.trim() === '') return;
    const g = groups.find((x) => x.answer === v.answer || answersEquivalent(x.answer, v.answer!, { answerType }).equivalent);
    if (g) g.votes++;
    else groups.push({ answer: v.answer, votes: 1, first: i, correct: v.correct });
  });
  if (groups.length === 0) return { answer: undefined, votes: 0, correct: false };
  const best = groups.reduce((a, b) => (b.votes > a.votes || (b.votes === a.votes && b.first < a.first) ? b : a));
  return { answer: best.answer, votes: best.votes, correct: best.correct };
}

/** maj@k over problems: the fraction whose majority answer (of the first k samples) is correct. */
export function majAtK(problems: readonly (readonly Vote[])[], k: number, answerType: AnswerType): number {
  if (problems.length === 0) return NaN;
  return problems.filter((votes) => majorityVote(votes.slice(0, k), answerType).correct).length / problems.length;
}
