/** One result row (model x set x procedure, and per level / skill) from the per-problem samples. */
import type { AnswerType } from '../curriculum';
import { costOf, type Price } from '../budget/cost';
import { pass1WithInterval } from './interval';
import { majAtK, type Vote } from './majority';
import { meanPassAtK } from './passAtK';

export interface ProblemSamples {
  problemId: string;
  levelId: string;
  skill: string;
  /** The samples in index order, each with its final answer and grade. */
  votes: Vote[];
  promptTokens: number;
  completionTokens: number;
}

export interface ResultRow {
  model: string;
  set: string;
  level?: string;
  skill?: string;
  n: number;
  k: number;
  procedure: string;
  pass1: number;
  pass1Interval: [number, number];
  passAtK: Record<string, number>;
  majAtK: Record<string, number>;
  tokens: number;
  costUsd: number | null;
}

/** The k values reported: 1 and k (and nothing else, so columns line up across rows). */
export function reportedKs(k: number): number[] {
  return k === 1 ? [1] : [1, k];
}

export function resultRow(
  head: { model: string; set: string; level?: string; skill?: string; procedure: string },
  problems: readonly ProblemSamples[],
  k: number,
  answerType: AnswerType,
  price: Price | undefined,
): ResultRow {
  const counts = problems.map((p) => ({ n: p.votes.length, c: p.votes.filter((v) => v.correct).length }));
  const { pass1, interval } = pass1WithInterval(counts);
  const ks = reportedKs(k);
  const usage = {
    promptTokens: problems.reduce((s, p) => s + p.promptTokens, 0),
    completionTokens: problems.reduce((s, p) => s + p.completionTokens, 0),
  };
  return {
    ...head,
    n: problems.length,
    k,
    pass1,
    pass1Interval: interval,
    passAtK: Object.fromEntries(ks.map((x) => [String(x), meanPassAtK(counts, x)])),
    majAtK: Object.fromEntries(ks.map((x) => [String(x), majAtK(problems.map((p) => p.votes), x, answerType)])),
    tokens: usage.promptTokens + usage.completionTokens,
    costUsd: costOf(usage, price) ?? null,
  };
}
