/** Grading: final-answer extraction, number and LaTeX answer equivalence, grades with a verifier version. */
export { VERIFIER_VERSION } from './version';
export { extractFinalAnswer, extractAnswerText, findBoxes, lastBoxedRun } from './extractFinalAnswer';
export { gradeAnswer, type Grade, type GradeOptions } from './gradeAnswer';
export {
  answersEquivalent,
  type AnswerType,
  type Equivalence,
  type EquivalenceOptions,
  type EquivalenceReason,
} from './answersEquivalent';
