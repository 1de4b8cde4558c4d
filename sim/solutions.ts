import type { Problem } from '../lib/curriculum/types';
import { sameAnswer, wrongAnswer } from './answers';
import { evaluate, expressionInQuestion, formatNumber, operations, parseExpression, reduceOnce, render, type Expr } from './expression';
import { hashInt } from './hash';

/**
 * How a student works a known problem, one step at a time. Each step ends with `Now: <value>`: for arithmetic
 * the rewritten expression (real intermediate values), for other problems an intermediate quantity. Because
 * the state is written in the step, the sim reads it back from any conversation, whoever wrote it.
 */

export interface SolveState {
  /** Steps done so far. */
  done: number;
  /** What the last step wrote after `Now:` (the problem's own expression before step 1). */
  now: string;
  /** Whether the value carried so far no longer leads to the gold answer. */
  diverged: boolean;
}

export interface StepText {
  title: string;
  body: string;
}

export interface Solver {
  readonly totalSteps: number;
  initial(): SolveState;
  /** The state a step claims (`n` from its "Step n:" line); undefined when it carries no readable value. */
  read(n: number, stepText: string): SolveState | undefined;
  isDone(state: SolveState): boolean;
  /** Does step `state.done + 1`; a nonzero `wrongBy` makes it a wrong step. */
  next(state: SolveState, wrongBy: number): { step: StepText; state: SolveState };
  /** The answer the state leads to (meaningful once done). */
  answer(state: SolveState): string;
}

const NOW_RE = /Now:\s*(.+?)\s*$/m;

/** Solvers hold no state of a trajectory: one per problem, built once (every choice of every request asks). */
const solvers = new WeakMap<Problem, Solver>();

export function solverFor(problem: Problem): Solver {
  let solver = solvers.get(problem);
  if (!solver) solvers.set(problem, (solver = buildSolver(problem)));
  return solver;
}

function buildSolver(problem: Problem): Solver {
  const expr = expressionInQuestion(problem.question);
  if (expr && sameAnswer(formatNumber(evaluate(expr)), problem.answer)) return new ArithmeticSolver(expr);
  return new GenericSolver(problem);
}

class ArithmeticSolver implements Solver {
  readonly totalSteps: number;
  private readonly gold: number;

  constructor(private readonly expr: Expr) {
    this.totalSteps = operations(expr);
    this.gold = evaluate(expr);
  }

  initial(): SolveState {
    return { done: 0, now: render(this.expr), diverged: false };
  }

  read(n: number, stepText: string): SolveState | undefined {
    const m = NOW_RE.exec(stepText);
    const e = m ? parseExpression(m[1]!) : undefined;
    if (!e) return undefined;
    return { done: n, now: render(e), diverged: !this.matchesGold(e) };
  }

  isDone(state: SolveState): boolean {
    const e = parseExpression(state.now);
    return !e || e.kind === 'num';
  }

  next(state: SolveState, wrongBy: number): { step: StepText; state: SolveState } {
    const e = parseExpression(state.now)!;
    const r = reduceOnce(e, wrongBy)!;
    const now = render(r.next);
    const step = { title: `Compute ${formatNumber(r.a)} ${r.op} ${formatNumber(r.b)}`, body: `${formatNumber(r.a)} ${r.op} ${formatNumber(r.b)} = ${formatNumber(r.result)}\nNow: ${now}` };
    return { step, state: { done: state.done + 1, now, diverged: !this.matchesGold(r.next) } };
  }

  answer(state: SolveState): string {
    const e = parseExpression(state.now);
    return e ? formatNumber(evaluate(e)) : state.now;
  }

  private matchesGold(e: Expr): boolean {
    return Math.abs(evaluate(e) - this.gold) < 1e-9 * Math.max(1, Math.abs(this.gold));
  }
}

/** Problems without an arithmetic expression (GSM8K, MATH): generic steps carrying checkable intermediate quantities. */
class GenericSolver implements Solver {
  readonly totalSteps: number;

  constructor(private readonly problem: Problem) {
    this.totalSteps = Math.max(1, Math.round(problem.steps));
  }

  /** The correct intermediate quantity after step n (the gold answer after the last step). */
  private expected(n: number): string {
    return n >= this.totalSteps ? this.problem.answer : String(hashInt(2, 99, 'intermediate', this.problem.id, n));
  }

  initial(): SolveState {
    return { done: 0, now: '', diverged: false };
  }

  read(n: number, stepText: string): SolveState | undefined {
    const m = NOW_RE.exec(stepText);
    if (!m) return undefined;
    return { done: n, now: m[1]!, diverged: !sameAnswer(m[1]!, this.expected(n)) };
  }

  isDone(state: SolveState): boolean {
    return state.done >= this.totalSteps;
  }

  next(state: SolveState, wrongBy: number): { step: StepText; state: SolveState } {
    const n = state.done + 1;
    const diverged = state.diverged || wrongBy !== 0;
    const right = this.expected(n);
    const now = diverged ? (n >= this.totalSteps ? wrongAnswer(right, this.problem.id, 'final', wrongBy) : String(Number(right) + (wrongBy || 1))) : right;
    const last = n >= this.totalSteps;
    const step = {
      title: last ? 'Put the parts together' : `Work out part ${n} of the problem`,
      body: last ? `Combining the parts gives the result.\nNow: ${now}` : `Carry out part ${n} of ${this.totalSteps}.\nNow: ${now}`,
    };
    return { step, state: { done: n, now, diverged } };
  }

  answer(state: SolveState): string {
    return state.now;
  }
}
