import type { RoundSummary } from '../lib/campaign/types';
import { loadCurriculum } from '../lib/curriculum';
import type { ModelEntry } from '../lib/registry';

/** Plain-text tables for the terminal: the rounds of a campaign and its model lineage. */

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A level by its curriculum id when known (`add-1digit`), else by its 0-based index (`L0`). */
function levelName(level: string | number, levelNames?: readonly string[]): string {
  return levelNames?.[Number(level)] ?? `L${level}`;
}

function accuracies(e: Record<string | number, { accuracy: number }> | undefined, levelNames?: readonly string[]): string {
  if (!e) return '';
  return Object.entries(e)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([level, v]) => `${levelName(level, levelNames)}:${(100 * v.accuracy).toFixed(0)}%`)
    .join(' ');
}

/** Level ids of a curriculum, for the tables; undefined when it cannot be read (the tables then show indices). */
export async function levelNamesOf(curriculumPath: string | undefined): Promise<string[] | undefined> {
  if (!curriculumPath) return undefined;
  try {
    return (await loadCurriculum(curriculumPath)).levels.map((l) => l.id);
  } catch {
    return undefined;
  }
}

/** One row per round; `selected` is the number of in-band problems traces were generated for. */
export function roundsTable(rounds: readonly RoundSummary[], levelNames?: readonly string[]): string {
  return table(
    ['round', 'frontier', 'candidates', 'in band', 'selected', 'traces kept', 'examples', 'outcome', 'model', 'held-out accuracy per level'],
    rounds.map((r) => [
      String(r.round),
      levelNames?.[r.frontier] !== undefined ? `${r.frontier} ${levelNames[r.frontier]}` : String(r.frontier),
      String(r.candidates),
      String(r.inBand),
      r.selected !== undefined ? String(r.selected) : '',
      String(r.tracesKept),
      String(r.datasetExamples),
      r.outcome,
      r.model,
      accuracies(r.evaluation, levelNames),
    ]),
  );
}

export function lineageTable(models: readonly ModelEntry[], levelNames?: readonly string[]): string {
  return table(
    ['round', 'status', 'model', 'parent', 'job', 'held-out accuracy per level'],
    models.map((m) => [String(m.round), m.status, m.modelId, m.parent ?? '', m.jobId ?? '', accuracies(m.evaluation, levelNames)]),
  );
}
