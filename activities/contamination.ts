import { existsSync } from 'node:fs';
import path from 'node:path';
import { ContaminationIndex, contaminatedProblems, type ContaminationMatch, type EvalProblemRef } from '../lib/datasets/contamination';
import type { TraceRecord } from '../lib/traces';
import { curriculumAt } from './deps';

/** The project's standard test splits: checked against by default, where their data is on this worker. */
export const STANDARD_EVAL_SETS = ['gsm8k-test.yaml', 'math500.yaml'].map((f) => path.resolve(__dirname, '../curricula', f));

export interface ContaminationReport {
  /** Eval sets checked, with their problem counts. */
  checked: { set: string; problems: number }[];
  /** Eval sets that could not be read here (data missing), and why: the round's note says so. */
  unavailable: { set: string; reason: string }[];
  /** Training problems dropped, with the eval problem each duplicates. */
  matches: ({ problemId: string } & ContaminationMatch)[];
}

const indexes = new Map<string, Promise<{ index: ContaminationIndex; report: Pick<ContaminationReport, 'checked' | 'unavailable'> }>>();

/** One index per list of eval sets per worker (the sets change only with the code or the config). */
function indexFor(sets: readonly string[]) {
  const key = JSON.stringify(sets);
  let hit = indexes.get(key);
  if (!hit) {
    hit = (async () => {
      const refs: EvalProblemRef[] = [];
      const checked: ContaminationReport['checked'] = [];
      const unavailable: ContaminationReport['unavailable'] = [];
      for (const file of sets) {
        if (!existsSync(file)) {
          unavailable.push({ set: file, reason: 'no such file' });
          continue;
        }
        try {
          const cur = await curriculumAt(file);
          const problems = cur.levels.flatMap((l) => l.problems);
          for (const p of problems) refs.push({ set: cur.name, id: p.id, question: p.question });
          checked.push({ set: cur.name, problems: problems.length });
        } catch (err) {
          unavailable.push({ set: path.basename(file, '.yaml'), reason: (err as Error).message.split('\n')[0]! });
        }
      }
      return { index: new ContaminationIndex(refs), report: { checked, unavailable } };
    })();
    hit.catch(() => indexes.delete(key));
    indexes.set(key, hit);
  }
  return hit;
}

/**
 * Drops the traces of training problems that duplicate a problem of an eval-only set (lib/datasets/contamination.ts
 * says what counts as a duplicate), so a campaign never trains on a test split it is judged on.
 */
export async function dropContaminated(
  traces: readonly TraceRecord[],
  curriculumPath: string,
  sets: readonly string[],
): Promise<{ traces: TraceRecord[]; dropped: number; report: ContaminationReport }> {
  const { index, report } = await indexFor(sets);
  if (index.size === 0) return { traces: [...traces], dropped: 0, report: { ...report, matches: [] } };
  const cur = await curriculumAt(curriculumPath);
  const ids = new Set(traces.map((t) => t.problemId));
  const problems = cur.levels.flatMap((l) => l.problems).filter((p) => ids.has(p.id));
  const bad = contaminatedProblems(problems, index);
  const kept = traces.filter((t) => !bad.has(t.problemId));
  return { traces: kept, dropped: traces.length - kept.length, report: { ...report, matches: [...bad].map(([problemId, m]) => ({ problemId, ...m })) } };
}

/** `contamination: 3 traces of 1 problem dropped (gsm8k-test)`, a note on what was not checked, or nothing. */
export function contaminationNote(report: ContaminationReport, dropped: number): string {
  const parts: string[] = [];
  if (report.matches.length) parts.push(`${dropped} traces of ${report.matches.length} problems dropped as duplicates of ${[...new Set(report.matches.map((m) => m.set))].join(', ')}`);
  if (report.unavailable.length) parts.push(`not checked against ${report.unavailable.map((u) => `${path.basename(u.set, '.yaml')} (${u.reason})`).join(', ')}`);
  return parts.length ? `; contamination: ${parts.join('; ')}` : '';
}
