/** Step checkers: a stage of trace filtering that judges every step of a trace, not only its answer. */
export { stepCheckerSchema, stepCheckersSchema, checkerName, type StepCheckerSpec } from './schema';
export { traceSteps, standingSteps, stepLine, type TraceStep } from './steps';
export { buildChecker, checkTrace, firstFailedChecker } from './checkTrace';
export { arithmeticClaims, arithmeticChecker, normaliseArithmetic } from './arithmeticClaims';
export { sortstepsChecker, sortstepsFailures } from './sortsteps';
export { modchainChecker, modchainFailures, modchainStep } from './modchain';
export { commandChecker } from './command';
export type { StepCheckInput, StepCheckResult, StepChecker, StepFailure } from './types';
