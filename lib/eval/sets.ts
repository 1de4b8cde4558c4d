/**
 * The problems an eval set contributes: every problem of an eval-only curriculum (a standard test split), the
 * held-out problems of any other (a campaign curriculum's levels). `limit` keeps that many per level, chosen by
 * the sha256 of the problem id (a fixed subsample spread over the file, the same for every model and run).
 */
import { createHash } from 'node:crypto';
import { loadCurriculum, type Curriculum, type Problem } from '../curriculum';
import { UserError } from '../errors';
import { locate } from '../curriculum/yamlFile';
import type { LoadedEvalConfig, Procedure } from './evalConfig';

export interface EvalLevel {
  id: string;
  index: number;
  problems: Problem[];
}

export interface EvalSet {
  /** The curriculum's name (sets are named by it in tables and JSON). */
  name: string;
  curriculum: Curriculum;
  levels: EvalLevel[];
  procedures: Procedure[];
  bySkill: boolean;
}

const order = (id: string) => createHash('sha256').update(id).digest('hex');

export async function loadEvalSets(config: LoadedEvalConfig): Promise<EvalSet[]> {
  const sets: EvalSet[] = [];
  for (const [i, spec] of config.sets.entries()) {
    const curriculum = await loadCurriculum(config.curriculumPaths[i]!);
    if (sets.some((s) => s.name === curriculum.name)) throw new UserError(locate(config.yaml, ['sets', i, 'curriculum'], `set "${curriculum.name}" is listed twice`));
    const unknown = (spec.levels ?? []).filter((id) => !curriculum.levels.some((l) => l.id === id));
    if (unknown.length)
      throw new UserError(locate(config.yaml, ['sets', i, 'levels'], `unknown level(s) ${unknown.join(', ')} (the curriculum has ${curriculum.levels.map((l) => l.id).join(', ')})`));
    const levels = curriculum.levels
      .filter((l) => !spec.levels || spec.levels.includes(l.id))
      .map((l) => {
        const pool = l.problems.filter((p) => curriculum.evalOnly || p.heldOut);
        const picked = spec.limit === undefined ? pool : [...pool].sort((a, b) => (order(a.id) < order(b.id) ? -1 : 1)).slice(0, spec.limit);
        return { id: l.id, index: l.index, problems: picked };
      })
      .filter((l) => l.problems.length > 0);
    if (levels.length === 0) throw new UserError(locate(config.yaml, ['sets', i], `the set ${curriculum.name} has no problems to evaluate on (no held-out problems?)`));
    sets.push({ name: curriculum.name, curriculum, levels, procedures: spec.procedures ?? config.procedures, bySkill: spec.bySkill });
  }
  return sets;
}
