import type { AnswerType, Curriculum, Problem } from '../lib/curriculum/types';
import { questionFromPrompt } from '../lib/traces/prompts';

/** Whitespace-normalised text, the key problems are known by. */
export function normaliseText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Every problem of the curricula the sim was started with, found by its question text. */
export class ProblemIndex {
  private readonly byQuestion = new Map<string, Problem>();
  private readonly byId = new Map<string, Problem>();
  private readonly types = new Map<string, AnswerType>();
  /** The last text fromUserText was asked about, and its answer (every choice of a request asks the same). */
  private lastText: string | undefined;
  private lastProblem: Problem | undefined;

  constructor(curricula: readonly Curriculum[]) {
    for (const c of curricula)
      for (const level of c.levels)
        for (const p of level.problems) {
          const key = normaliseText(p.question);
          if (!this.byQuestion.has(key)) this.byQuestion.set(key, p);
          if (!this.byId.has(p.id)) this.byId.set(p.id, p);
          if (!this.types.has(p.id)) this.types.set(p.id, c.answerType);
        }
  }

  get size(): number {
    return this.byQuestion.size;
  }

  byText(question: string): Problem | undefined {
    return this.byQuestion.get(normaliseText(question));
  }

  /** How the problem's answers compare: as numbers or as LaTeX. */
  answerType(id: string): AnswerType {
    return this.types.get(id) ?? 'latex';
  }

  get(id: string): Problem | undefined {
    return this.byId.get(id);
  }

  /**
   * The problem a user message is about: the project's problemPrompt first; otherwise the longest known
   * question that appears in the text (slow path, for prompts that are not ours).
   */
  fromUserText(text: string): Problem | undefined {
    if (this.lastText === text) return this.lastProblem;
    const p = this.findInUserText(text);
    this.lastText = text;
    this.lastProblem = p;
    return p;
  }

  private findInUserText(text: string): Problem | undefined {
    const q = questionFromPrompt(text);
    if (q !== undefined) {
      const exact = this.byText(q);
      if (exact) return exact;
    }
    const direct = this.byText(text);
    if (direct) return direct;
    const hay = normaliseText(text);
    let best: Problem | undefined;
    let bestLen = 0;
    for (const [key, p] of this.byQuestion) if (key.length > bestLen && hay.includes(key)) {
      best = p;
      bestLen = key.length;
    }
    return best;
  }

  all(): IterableIterator<Problem> {
    return this.byId.values();
  }
}
