/**
 * Grading a completion against a gold answer: find the final answer in the project's formats
 * (extractFinalAnswer), then compare it with answersEquivalent. The grade carries the verifier version so
 * the sample ledger can re-grade old samples when the rules change.
 */
import { extractFinalAnswer } from './extractFinalAnswer';
import { answersEquivalent, type AnswerType, type EquivalenceOptions } from './answersEquivalent';
import { VERIFIER_VERSION } from './version';

export interface Grade {
  correct: boolean;
  extracted?: string;
  reason: 'match' | 'mismatch' | 'no-answer' | 'unparseable';
  verifierVersion: string;
}

export type GradeOptions = Omit<EquivalenceOptions, 'answerType'>;

export function gradeAnswer(completion: string, gold: string, answerType: AnswerType, opts: GradeOptions = {}): Grade {
  const extracted = extractFinalAnswer(completion);
  if (extracted === undefined) return { correct: false, reason: 'no-answer', verifierVersion: VERIFIER_VERSION };
  const r = answersEquivalent(gold, extracted, { ...opts, answerType });
  const reason = r.reason === 'match' || r.reason === 'mismatch' || r.reason === 'no-answer' ? r.reason : 'unparseable';
  return { correct: r.equivalent, extracted, reason, verifierVersion: VERIFIER_VERSION };
}
