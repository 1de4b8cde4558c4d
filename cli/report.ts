import type { RoundSummary } from '../lib/campaign/types';
import type { ModelEntry } from '../lib/registry';

/** Plain-text tables for the terminal: the rounds of a campaign and its model lineage. */

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function accuracies(e: Record<string | number, { accuracy: number }> | undefined): string {
  if (!e) return '';
  return Object.entries(e)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([level, v]) => `L${level}:${(100 * v.accuracy).toFixed(0)}%`)
    .join(' ');
}

export function roundsTable(rounds: readonly RoundSummary[]): string {
  return table(
    ['round', 'frontier', 'candidates', 'in band', 'traces kept', 'examples', 'outcome', 'model', 'held-out accuracy per level'],
    rounds.map((r) => [String(r.round), String(r.frontier), String(r.candidates), String(r.inBand), String(r.tracesKept), String(r.datasetExamples), r.outcome, r.model, accuracies(r.evaluation)]),
  );
}

export function lineageTable(models: readonly ModelEntry[]): string {
  return table(
    ['round', 'status', 'model', 'parent', 'job', 'held-out accuracy per level'],
    models.map((m) => [String(m.round), m.status, m.modelId, m.parent ?? '', m.jobId ?? '', accuracies(m.evaluation)]),
  );
}
