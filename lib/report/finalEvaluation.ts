/**
 * The final evaluation in reports (`report`, `report --html`, `status` of a finished campaign): per model
 * (base, final, each reference) and level, pass@1 with its interval, pass@k and maj@k
 * (lib/eval/finalEvaluation.ts writes what this reads).
 */
import { finalEvaluationPath, type FinalEvaluation } from '../eval/finalEvaluation';
import { table } from '../format/table';
import type { RunStore } from '../store';
import { escapeHtml } from './escapeHtml';

/** Both stages, as far as they ran: `base` (round 0) and `final` (the end). */
export interface FinalEvaluations {
  base?: FinalEvaluation;
  final?: FinalEvaluation;
}

export async function readFinalEvaluations(store: RunStore, campaign: string): Promise<FinalEvaluations> {
  const read = async (stage: 'base' | 'final') => {
    const rel = finalEvaluationPath(campaign, stage);
    return (await store.exists(rel)) ? await store.readJson<FinalEvaluation>(rel) : undefined;
  };
  const [base, final] = [await read('base'), await read('final')];
  return { ...(base ? { base } : {}), ...(final ? { final } : {}) };
}

/** The one to show: the end's when the campaign finished, else round 0's. */
export function shownEvaluation(e: FinalEvaluations | undefined): FinalEvaluation | undefined {
  return e?.final ?? e?.base;
}

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : (100 * x).toFixed(1));

function title(e: FinalEvaluation): string {
  const what = e.stage === 'final' ? 'Final evaluation' : 'Round 0 evaluation (the final one runs when the campaign ends)';
  return `${what}: ${e.set}, every level, ${e.k} sample(s) per problem (${e.procedure})`;
}

/** Rows in model order, the all-levels row first. */
function cells(e: FinalEvaluation): string[][] {
  return e.results.map((r) => [r.model, r.level ?? 'all', String(r.n), pct(r.pass1), `${pct(r.pass1Interval[0])}-${pct(r.pass1Interval[1])}`, pct(r.passAtK[String(e.k)]), pct(r.majAtK[String(e.k)])]);
}

function header(e: FinalEvaluation): string[] {
  return ['model', 'level', 'n', 'pass@1', '95% CI', `pass@${e.k}`, `maj@${e.k}`];
}

export function finalEvaluationText(e: FinalEvaluation): string {
  const models = e.models.map((m) => `${m.name} = ${m.model}`).join(', ');
  return `${title(e)}\n${table(header(e), cells(e), { right: [2, 3, 4, 5, 6], whole: [0] })}\n(percentages; models: ${models})`;
}

export function finalEvaluationHtml(e: FinalEvaluation | undefined): string {
  if (!e) return '';
  const head = header(e)
    .map((h) => `<th>${escapeHtml(h)}</th>`)
    .join('');
  const rows = cells(e)
    .map((row, i) => `<tr${e.results[i]!.level === undefined ? ' class="all-levels"' : ''}>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const models = e.models.map((m) => `<li><b>${escapeHtml(m.name)}</b> (${m.role}): <code>${escapeHtml(m.model)}</code></li>`).join('');
  return `<h2>${escapeHtml(title(e))}</h2>
<p>pass@1 is the mean over samples with a clustered Wilson 95% interval; pass@${e.k} the unbiased estimator (Chen et al. 2021); maj@${e.k} the majority answer of ${e.k} samples, grouped by the grader's equivalence. Percentages.</p>
<ul>${models}</ul>
<table id="final-evaluation"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}
