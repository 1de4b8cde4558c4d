import type { CampaignReport } from './campaignReport';

/**
 * The skill x level heat map of the HTML report (per-skill campaigns only): held-out accuracy of every level,
 * rows grouped by skill, one column per round (round 0: the base model). A Vega-Lite spec like the other charts
 * of lib/report/html.ts, which places it with `skillHeatmapSection`.
 */

export const SKILL_HEATMAP_ID = 'skill-heatmap';

interface Cell {
  round: number;
  skill: string;
  level: number;
  row: string;
  accuracy: number;
  status: string;
}

/** One cell per (round, evaluated level of a skill). */
export function skillHeatmapCells(report: CampaignReport): Cell[] {
  const withSkills = report.rounds.filter((r) => r.summary.skills?.length);
  if (!withSkills.length) return [];
  const skillOf = new Map<number, string>();
  for (const r of withSkills) for (const s of r.summary.skills!) for (const l of s.levels) skillOf.set(l, s.skill);
  const cells: Cell[] = [];
  const push = (round: number, evaluation: Record<string, { accuracy: number }> | undefined, status: (skill: string) => string) => {
    for (const [level, e] of Object.entries(evaluation ?? {})) {
      const skill = skillOf.get(Number(level));
      if (skill !== undefined) cells.push({ round, skill, level: Number(level), row: `${skill} · L${level}`, accuracy: e.accuracy, status: status(skill) });
    }
  };
  push(0, report.baseEvaluation, () => 'base model');
  for (const r of withSkills) push(r.round, r.summary.evaluation, (skill) => r.summary.skills!.find((s) => s.skill === skill)?.status ?? '');
  return cells;
}

export function skillHeatmapCharts(report: CampaignReport): { id: string; spec: Record<string, unknown> }[] {
  const cells = skillHeatmapCells(report);
  if (!cells.length) return [];
  const rows = [...new Map(cells.map((c) => [c.row, c.level])).entries()].sort((a, b) => a[1] - b[1]).map(([row]) => row);
  return [
    {
      id: SKILL_HEATMAP_ID,
      spec: {
        title: 'Held-out accuracy per skill and level over rounds (round 0: the base model)',
        width: 520,
        height: Math.max(120, 18 * rows.length),
        data: { values: cells },
        mark: { type: 'rect', tooltip: true },
        encoding: {
          x: { field: 'round', type: 'ordinal' },
          y: { field: 'row', type: 'nominal', sort: rows, title: 'skill · level' },
          color: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1], scheme: 'viridis' }, legend: { format: '.0%' } },
          tooltip: [{ field: 'skill' }, { field: 'level' }, { field: 'round' }, { field: 'accuracy', format: '.0%' }, { field: 'status' }],
        },
      },
    },
  ];
}

/** The section of the page that holds the heat map (empty for single-frontier campaigns). */
export function skillHeatmapSection(report: CampaignReport): string {
  return skillHeatmapCells(report).length ? `<h2>Skills</h2>\n<div class="chart" id="${SKILL_HEATMAP_ID}"></div>` : '';
}
