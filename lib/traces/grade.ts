import type { TraceGrade } from './record';

/**
 * Grades a completion against the gold answer (lib/grading's gradeAnswer with the curriculum's answer type
 * bound, in practice). A parameter, so trace generation does not depend on a particular grader.
 */
export type GradeFn = (completion: string, gold: string) => TraceGrade;
