import type { StepCheckerSpec } from '../stepChecks/schema';
import type { PromptsInput } from '../traces/promptConfig';

/** What a loaded curriculum looks like to the rest of the project (sim, estimation, workflows). */

export type AnswerType = 'number' | 'latex';

export interface Problem {
  /** Stable id: the file's own id field, or a content hash of the question. */
  id: string;
  levelId: string;
  /** 0-based position of the level in the curriculum: the frontier is a level index. */
  levelIndex: number;
  skill: string;
  difficulty: number;
  question: string;
  answer: string;
  /** Held-out problems are for evaluation only and never trained on. */
  heldOut: boolean;
  /** How many solution steps the problem takes (generator: the number of operations; files: estimated). */
  steps: number;
}

export interface Level {
  id: string;
  index: number;
  skill: string;
  difficulty: number;
  problems: Problem[];
  /** The fraction of the level's problems that is held out (exactly round(n * fraction) of them). */
  heldOutFraction?: number;
  /** The step checkers that judge this level's traces (its own list, else the curriculum's for its skill). */
  stepCheckers?: StepCheckerSpec[];
}

export interface Curriculum {
  name: string;
  answerType: AnswerType;
  /** Absolute path of the file it was loaded from. */
  path: string;
  levels: Level[];
  /** A standard test split: every problem is held out, and campaigns refuse it as a training source. */
  evalOnly?: boolean;
  /** The seed of generators and the held-out split (default 0). */
  seed?: number;
  /** The curriculum's prompt set, as written (defaults filled where traces are generated). */
  prompts?: PromptsInput;
  /** Things the user should know that did not stop loading (skipped rows, duplicate problems). */
  warnings?: string[];
}
