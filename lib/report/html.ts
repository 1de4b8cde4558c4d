import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CampaignReport } from './campaignReport';
import { otherFieldsText, promotionText } from './decision';
import { escapeHtml } from './escapeHtml';
import { finalEvaluationHtml, shownEvaluation } from './finalEvaluation';
import { PAIR_COLUMNS, pairRows } from './pairsTable';
import { skillHeatmapCharts, skillHeatmapSection } from './skillHeatmap';
import { TRACE_BROWSER_CSS, traceBrowserSection, type BrowsedRound } from './traceBrowser';

/**
 * One self-contained HTML file (works offline): the charts are Vega-Lite specs rendered by vega-embed, whose
 * scripts are inlined. Each chart is a spec over the report's data; the page marks itself rendered
 * (`data-rendered` on <body>, `data-marks` on each chart) once every chart has drawn, for tests and scripts.
 */

type Spec = Record<string, unknown>;

const pct = { format: '.0%' };

function histogram(r: CampaignReport['rounds'][number]): Spec {
  const layers: Spec[] = [];
  if (r.band) {
    layers.push({
      data: { values: [{ min: r.band.min, max: r.band.max }] },
      mark: { type: 'rect', opacity: 0.15, color: '#2a9d8f' },
      encoding: { x: { field: 'min', type: 'quantitative' }, x2: { field: 'max' } },
    });
    layers.push({
      data: { values: [{ x: r.band.min, edge: 'band min' }, { x: r.band.max, edge: 'band max' }] },
      mark: { type: 'rule', color: '#2a9d8f', strokeWidth: 2, strokeDash: [4, 3] },
      encoding: { x: { field: 'x', type: 'quantitative' }, tooltip: [{ field: 'edge' }, { field: 'x', format: '.2f' }] },
    });
  }
  layers.unshift({
    data: { values: r.passRates.map((p) => ({ pHat: p.pHat, level: `L${p.levelIndex}` })) },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'pHat', type: 'quantitative', bin: { extent: [0, 1], step: 0.05 }, title: 'estimated pass rate', axis: pct },
      y: { aggregate: 'count', type: 'quantitative', title: 'problems' },
      color: { field: 'level', type: 'nominal', title: 'level' },
    },
  });
  return {
    title: `Round ${r.round}: pass rates of ${r.passRates.length} candidates (band shaded)`,
    width: 520,
    height: 160,
    layer: layers,
    resolve: { scale: { x: 'shared' } },
  };
}

function frontierChart(report: CampaignReport): Spec {
  return {
    title: 'Frontier level per round',
    width: 520,
    height: 160,
    data: { values: report.rounds.map((r) => ({ round: r.round, frontier: r.frontier, next: r.summary.outcome })) },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 'round', type: 'ordinal' },
      y: { field: 'frontier', type: 'quantitative', title: 'frontier level', axis: { tickMinStep: 1 } },
    },
  };
}

function accuracyChart(report: CampaignReport): Spec {
  const rows: { round: number; level: string; accuracy: number; n: number }[] = [];
  const push = (round: number, e: Record<string, { accuracy: number; n: number }> | undefined) => {
    for (const [level, v] of Object.entries(e ?? {})) rows.push({ round, level: `L${level}`, accuracy: v.accuracy, n: v.n });
  };
  push(0, report.baseEvaluation);
  for (const r of report.rounds) push(r.round, r.summary.evaluation);
  return {
    title: 'Held-out accuracy per level (round 0: the base model)',
    width: 520,
    height: 200,
    data: { values: rows },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 'round', type: 'ordinal' },
      y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: pct },
      color: { field: 'level', type: 'nominal' },
    },
  };
}

function compositionChart(report: CampaignReport): Spec {
  const rows: { round: number; part: string; count: number }[] = [];
  for (const r of report.rounds) {
    if (!r.dataset) {
      rows.push({ round: r.round, part: 'kept (new)', count: r.summary.tracesKept });
      continue;
    }
    rows.push({ round: r.round, part: 'kept (new)', count: r.dataset.new });
    rows.push({ round: r.round, part: 'replayed', count: r.dataset.replayed });
    for (const [reason, count] of Object.entries(r.dataset.dropped)) {
      // stepCheck is the sum of the stepCheck:<checker> entries, which the chart shows instead.
      if (reason === 'input' || reason === 'kept' || reason === 'stepCheck' || !count) continue;
      rows.push({ round: r.round, part: `dropped: ${reason}`, count });
    }
  }
  return {
    title: 'Dataset composition: examples kept and traces dropped, by reason',
    width: 520,
    height: 200,
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'round', type: 'ordinal' },
      y: { field: 'count', type: 'quantitative', aggregate: 'sum', title: 'traces / examples' },
      color: { field: 'part', type: 'nominal', title: '' },
    },
  };
}

function tokensChart(report: CampaignReport): Spec {
  const rows = report.rounds.flatMap((r) =>
    r.tokens.flatMap((t) => [
      { round: r.round, part: `${t.phase} prompt`, tokens: t.promptTokens, model: t.model },
      { round: r.round, part: `${t.phase} completion`, tokens: t.completionTokens, model: t.model },
    ]).concat((r.training ?? []).map((t) => ({ round: r.round, part: 'fine-tune trained', tokens: t.trainedTokens ?? 0, model: t.model }))),
  );
  return barsPerRound('Tokens per round, by phase (chat and fine-tuning)', 200, rows, 'tokens');
}

/** Bars per round, stacked by `part`: the shape of the tokens and cost charts. */
function barsPerRound(title: string, height: number, rows: object[], measure: string): Spec {
  return {
    title,
    width: 520,
    height,
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'round', type: 'ordinal' },
      y: { field: measure, type: 'quantitative', aggregate: 'sum' },
      color: { field: 'part', type: 'nominal', title: '' },
    },
  };
}

/** Cost per round by kind: chat tokens, training, deployments (only with a price table). */
function costChart(report: CampaignReport): Spec {
  const rows = report.rounds.flatMap((r) => {
    const training = (r.training ?? []).reduce((s, t) => s + (t.cost ?? 0), 0);
    const deployments = (r.deployments ?? []).reduce((s, d) => s + (d.cost ?? 0), 0);
    const chat = (r.cost ?? 0) - training - deployments;
    return r.cost === undefined ? [] : [
      { round: r.round, part: 'chat', cost: chat },
      { round: r.round, part: 'training', cost: training },
      { round: r.round, part: 'deployments', cost: deployments },
    ];
  });
  return barsPerRound('Cost per round (chat, training, deployments)', 160, rows, 'cost');
}

function trainingRows(report: CampaignReport): string {
  const training = report.rounds.flatMap((r) =>
    (r.training ?? []).map((t) => `<tr><td>${r.round}</td><td>fine-tune (${t.method ?? 'sft'})</td><td><code>${escapeHtml(t.model)}</code></td><td>${t.trainedTokens ?? '?'} trained tokens${t.providerPrice !== undefined ? ` (provider: ${t.providerPrice})` : ''}</td><td>${t.cost?.toFixed(2) ?? ''}</td></tr>`),
  );
  const deployed = report.rounds.flatMap((r) =>
    (r.deployments ?? []).map((d) => `<tr><td>${r.round}</td><td>deployment</td><td><code>${escapeHtml(d.model)}</code></td><td>${(d.seconds / 3600).toFixed(2)} h${d.live ? ' (live)' : ''}</td><td>${d.cost?.toFixed(2) ?? ''}</td></tr>`),
  );
  if (!training.length && !deployed.length) return '';
  return `<table><thead><tr><th>round</th><th>what</th><th>model</th><th>usage</th><th>cost</th></tr></thead><tbody>${[...training, ...deployed].join('\n')}</tbody></table>`;
}

/** Preference pairs per round and method (lib/report/pairsTable.ts), when the campaign made any. */
function pairsSection(report: CampaignReport): string {
  const rows = pairRows(report.rounds);
  if (!rows.length) return '';
  const head = PAIR_COLUMNS.map((c) => `<th>${c}</th>`).join('');
  return `<h3>Preference pairs</h3><table><thead><tr>${head}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
}

export { escapeHtml };

function accuracies(e: unknown): string {
  return Object.entries((e ?? {}) as Record<string, { accuracy: number }>)
    .map(([l, v]) => `L${l} ${(100 * v.accuracy).toFixed(0)}%`)
    .join(' ');
}

/**
 * The lineage table. Its decision column is words only (lib/report/decision.ts): the promotion evidence as
 * effect, interval and threshold, then the recorded reason, then any other optional registry fields.
 */
function lineageTable(report: CampaignReport): string {
  const rows = report.models
    .map((m) => {
      const decision = promotionText(m.status, m.promotionEvidence);
      const other = otherFieldsText(m);
      const cell = [decision ? `<span class="decision">${escapeHtml(decision)}</span>` : '', m.reason ? `<small>${escapeHtml(m.reason)}</small>` : '', other ? `<small>${escapeHtml(other)}</small>` : '']
        .filter(Boolean)
        .join('<br>');
      return `<tr><td>${m.round}</td><td class="status-${escapeHtml(m.status)}">${escapeHtml(m.status)}</td><td><code>${escapeHtml(m.modelId)}</code></td><td><code>${escapeHtml(m.parent ?? '')}</code></td><td>${escapeHtml(accuracies(m.evaluation))}</td><td class="decision-cell">${cell}</td></tr>`;
    })
    .join('\n');
  return `<table id="lineage"><thead><tr><th>round</th><th>status</th><th>model</th><th>parent</th><th>held-out accuracy</th><th>decision</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function tokensTable(report: CampaignReport): string {
  const rounds = [...(report.evaluationTokens ? [{ round: 0, tokens: report.evaluationTokens }] : []), ...report.rounds];
  const rows = rounds
    .flatMap((r) => r.tokens.map((t) => `<tr><td>${r.round}</td><td>${escapeHtml(t.phase)}</td><td><code>${escapeHtml(t.model)}</code></td><td>${t.samples}</td><td>${t.promptTokens}</td><td>${t.completionTokens}</td></tr>`))
    .join('\n');
  return `<table><thead><tr><th>round</th><th>phase</th><th>model</th><th>samples</th><th>prompt tokens</th><th>completion tokens</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A file of an installed package, found from its entry point (the packages' `exports` hide their build files). */
function packageFile(pkg: string, file: string): string {
  let dir = path.dirname(require.resolve(pkg));
  while (!existsSync(path.join(dir, 'package.json')) || JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== pkg) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the package directory of ${pkg}`);
    dir = up;
  }
  return path.join(dir, file);
}

function script(pkg: string, file: string): string {
  // `</script` inside a library would end the tag early.
  return readFileSync(packageFile(pkg, file), 'utf8').replace(/<\/script/gi, '<\\/script');
}

/**
 * The page. `traces`: the trace browser's rounds (lib/report/traceBrowser.ts `browsedRound`); absent, the page
 * has no trace section (callers that only chart the campaign).
 */
export function renderHtmlReport(report: CampaignReport, traces?: readonly BrowsedRound[]): string {
  const charts: { id: string; spec: Spec }[] = [
    { id: 'frontier', spec: frontierChart(report) },
    { id: 'accuracy', spec: accuracyChart(report) },
    { id: 'composition', spec: compositionChart(report) },
    { id: 'tokens', spec: tokensChart(report) },
    ...(report.totals.cost !== undefined ? [{ id: 'cost', spec: costChart(report) }] : []),
    ...skillHeatmapCharts(report),
    ...report.rounds.map((r) => ({ id: `passrates-${r.round}`, spec: histogram(r) })),
  ];
  const json = JSON.stringify(charts.map((c) => ({ id: c.id, spec: { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', ...c.spec } }))).replace(/</g, '\\u003c');
  const t = report.totals;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Campaign ${escapeHtml(report.name)}: open-strawberry report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
.chart { margin: 8px 0 16px; } .status-promoted { color: #2a7d2a; } .status-rejected { color: #b03030; }
code { font-size: 12px; }${TRACE_BROWSER_CSS}
</style>
<script>${script('vega', 'build/vega.min.js')}</script>
<script>${script('vega-lite', 'build/vega-lite.min.js')}</script>
<script>${script('vega-embed', 'build/vega-embed.min.js')}</script>
</head><body>
<h1>Campaign ${escapeHtml(report.name)}</h1>
<p>${report.rounds.length} round(s); run store <code>${escapeHtml(report.runStore)}</code>; generated ${escapeHtml(report.generatedAt)}.
Chat tokens: ${t.promptTokens} prompt + ${t.completionTokens} completion in ${t.samples} samples${t.trainedTokens !== undefined ? `; ${t.trainedTokens} trained tokens` : ''}${t.cost !== undefined ? `; cost ${t.cost.toFixed(2)}` : ''}.</p>
${finalEvaluationHtml(shownEvaluation(report.finalEvaluation))}
<h2>Frontier and held-out accuracy</h2>
<div class="chart" id="frontier"></div>
<div class="chart" id="accuracy"></div>
${skillHeatmapSection(report)}
<h2>Datasets</h2>
<div class="chart" id="composition"></div>
${pairsSection(report)}
<h2>Tokens and cost</h2>
<div class="chart" id="tokens"></div>
${t.cost !== undefined ? '<div class="chart" id="cost"></div>' : ''}
${tokensTable(report)}
${trainingRows(report)}
<h2>Model lineage and promotion decisions</h2>
${lineageTable(report)}
<h2>Pass-rate estimates per round</h2>
${report.rounds.map((r) => `<div class="chart" id="passrates-${r.round}"></div>`).join('\n')}
${traces ? traceBrowserSection(traces) : ''}
<script>
const charts = ${json};
function countMarks(node) {
  let n = 0;
  for (const item of node.items || []) {
    if (item.marktype && item.marktype !== 'group' && item.marktype !== 'text' && !(item.role || '').startsWith('axis') && !(item.role || '').startsWith('legend')) n += (item.items || []).length;
    if (item.items) n += countMarks(item);
  }
  return n;
}
Promise.all(charts.map(async (c) => {
  const el = document.getElementById(c.id);
  const result = await vegaEmbed(el, c.spec, { renderer: 'svg', actions: false });
  await result.view.runAsync();
  el.dataset.marks = String(countMarks(result.view.scenegraph().root));
})).then(() => { document.body.dataset.rendered = String(charts.length); },
  (err) => { document.body.dataset.renderError = String(err && err.message || err); });
</script>
</body></html>
`;
}
