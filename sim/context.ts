import type { SimConfig } from './config';
import type { ModelCatalog } from './jobs';
import type { ProblemIndex } from './problems';
import type { RateLimiter } from './limits';
import type { SimState } from './state';
import type { Abilities } from './students';
import type { AnswerChecker } from './training';

/** Counters of what the sim has served, for tests, the demo and the bench. */
export interface SimStats {
  requests: number;
  chatCompletions: number;
  choices: number;
  completionTokens: number;
  filesCreated: number;
  jobsCreated: number;
  jobsCancelled: number;
  rateLimited: number;
  serverErrors: number;
  hangs: number;
  malformed: number;
  /** Stored-completion reads (list and get): answered from state, not billed, not in `chatCompletions`. */
  storedLookups: number;
}

export function emptyStats(): SimStats {
  return { requests: 0, chatCompletions: 0, choices: 0, completionTokens: 0, filesCreated: 0, jobsCreated: 0, jobsCancelled: 0, rateLimited: 0, serverErrors: 0, hangs: 0, malformed: 0, storedLookups: 0 };
}

export interface ServedModel extends Abilities {
  id: string;
  created: number;
  root: string;
  ownedBy: string;
}

/** What every route handler gets. */
export interface SimContext {
  cfg: SimConfig;
  state: SimState;
  problems: ProblemIndex;
  limiter: RateLimiter;
  stats: SimStats;
  catalog: ModelCatalog & { list(): ServedModel[]; get(id: string): ServedModel | undefined };
  isCorrect: AnswerChecker;
  /** Brings job statuses (and trained models) up to date with the clock. */
  refresh(): void;
  sleep(ms: number): Promise<void>;
}

/** 2025-01-01T00:00:00Z: the `created` of base models and (by default) of chat completions. */
export const FIXED_EPOCH = 1735689600;
