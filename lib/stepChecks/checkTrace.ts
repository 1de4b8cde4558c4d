import type { TraceRecord } from '../traces/record';
import { arithmeticChecker } from './arithmeticClaims';
import { commandChecker } from './command';
import { modchainChecker } from './modchain';
import { checkerName, type StepCheckerSpec } from './schema';
import { sortstepsChecker } from './sortsteps';
import { standingSteps, traceSteps } from './steps';
import type { StepCheckResult, StepChecker } from './types';

/** The checker a spec declares; `cwd` is where a command checker runs (the curriculum file's directory). */
export function buildChecker(spec: StepCheckerSpec, cwd?: string): StepChecker {
  const name = checkerName(spec);
  switch (spec.kind) {
    case 'arithmetic':
      return arithmeticChecker(name);
    case 'sortsteps':
      return sortstepsChecker(name);
    case 'modchain':
      return modchainChecker(name);
    case 'command':
      return commandChecker({ name, command: spec.command, timeoutSeconds: spec.timeoutSeconds, ...(cwd ? { cwd } : {}) });
  }
}

/**
 * Every checker's finding on one trace, over its standing steps (a step redone after a critique is judged
 * by its redo). Checkers run in the order declared; each reports every step it rejects.
 */
export async function checkTrace(
  trace: Pick<TraceRecord, 'messages' | 'problemId' | 'finalAnswer'>,
  problem: { question: string; answer: string },
  checkers: readonly StepChecker[],
): Promise<StepCheckResult[]> {
  const steps = standingSteps(traceSteps(trace.messages));
  const input = { problem: { id: trace.problemId, question: problem.question, answer: problem.answer }, steps, ...(trace.finalAnswer !== undefined ? { finalAnswer: trace.finalAnswer } : {}) };
  const out: StepCheckResult[] = [];
  for (const c of checkers) out.push({ checker: c.name, checked: steps.length, failed: await c.check(input) });
  return out;
}

/** The first checker that rejected a step of the trace, if any (what selection drops it for). */
export function firstFailedChecker(results: readonly StepCheckResult[] | undefined): string | undefined {
  return results?.find((r) => r.failed.length > 0)?.checker;
}
