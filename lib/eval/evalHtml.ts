/** One self-contained HTML page of an eval's results (plain tables: works offline, no script). */
import { escapeHtml } from '../report/html';
import type { EvalReport } from './runEval';

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);

export function renderEvalHtml(report: EvalReport, generatedAt = new Date().toISOString()): string {
  const k = report.samples;
  const rows = report.results
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.model)}</td><td>${escapeHtml(r.set)}</td><td>${escapeHtml(r.level ?? (r.skill ? `skill ${r.skill}` : 'all'))}</td><td>${escapeHtml(r.procedure)}</td><td>${r.n}</td>` +
        `<td>${pct(r.pass1)}</td><td>${pct(r.pass1Interval[0])} – ${pct(r.pass1Interval[1])}</td><td>${pct(r.passAtK[String(k)])}</td><td>${pct(r.majAtK[String(k)])}</td><td>${r.tokens}</td><td>${r.costUsd === null ? '' : r.costUsd.toFixed(4)}</td></tr>`,
    )
    .join('\n');
  const models = report.models
    .map((m) => `<li><b>${escapeHtml(m.name)}</b>: <code>${escapeHtml(m.model)}</code> at <code>${escapeHtml(m.baseURL)}</code>${m.campaign ? ` (campaign ${escapeHtml(m.campaign.name)}, round ${m.campaign.round})` : ''}</li>`)
    .join('\n');
  const sets = report.sets
    .map((s) => `<li><b>${escapeHtml(s.name)}</b>${s.evalOnly ? ' (standard test split, eval-only)' : ' (held-out problems)'}: ${s.levels.map((l) => `${escapeHtml(l.id)} ${l.problems}`).join(', ')}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Eval ${escapeHtml(report.name)}: open-strawberry</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; } td:nth-child(n+5) { text-align: right; }
code { font-size: 12px; }
</style></head><body>
<h1>Eval ${escapeHtml(report.name)}</h1>
<p>${k} sample(s) per problem; generated ${escapeHtml(generatedAt)}. pass@1 is the mean over samples with a clustered Wilson 95% interval;
pass@${k} the unbiased estimator (Chen et al. 2021); maj@${k} the majority answer of ${k} samples, grouped by the grader's equivalence.</p>
<h2>Models</h2><ul>${models}</ul>
<h2>Sets</h2><ul>${sets}</ul>
<h2>Results</h2>
<table id="results"><thead><tr><th>model</th><th>set</th><th>level / skill</th><th>procedure</th><th>n</th><th>pass@1</th><th>95% CI</th><th>pass@${k}</th><th>maj@${k}</th><th>tokens</th><th>cost (USD)</th></tr></thead>
<tbody>${rows}</tbody></table>
</body></html>
`;
}
