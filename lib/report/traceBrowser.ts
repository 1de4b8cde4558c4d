import { escapeHtml } from './escapeHtml';
import type { RunStore } from '../store';
import { finalCheckText, flagText, gradeText, roundsWithTraces, roundTraces, verdictText, type RoundTraces, type TraceRow } from './traces';

/**
 * The HTML report's trace browser: per round, the kept and the dropped traces, each a <details> element (no
 * script, no network) that opens on every turn, the verifier flags, the final check, the grade and the reason
 * it was kept or dropped. Only the first `TRACES_PER_SIDE` kept and dropped traces of a round are embedded,
 * so the file stays small; the section says how many more the run store holds (`strawberry traces` shows all).
 */

export const TRACES_PER_SIDE = 50;

/** What the page embeds of one round: at most `cap` traces per side, and the totals. */
export interface BrowsedRound {
  round: number;
  kept: TraceRow[];
  dropped: TraceRow[];
  keptTotal: number;
  droppedTotal: number;
}

/**
 * The traces of a round the page shows. Dropped traces are taken round-robin over their reasons, so a round
 * with hundreds of incorrect traces still shows its flagged or near-duplicate ones.
 */
export function browsedRound(r: RoundTraces, cap: number = TRACES_PER_SIDE): BrowsedRound {
  const kept = r.rows.filter((t) => t.verdict.kept);
  const dropped = r.rows.filter((t) => !t.verdict.kept);
  return { round: r.round, kept: kept.slice(0, cap), dropped: roundRobin(dropped, (t) => t.verdict.code ?? '', cap), keptTotal: kept.length, droppedTotal: dropped.length };
}

/** Every round of a campaign with graded traces, as the page embeds it (one round in memory at a time). */
export async function browsedRounds(store: RunStore, campaign: string, cap: number = TRACES_PER_SIDE): Promise<BrowsedRound[]> {
  const out: BrowsedRound[] = [];
  for (const round of await roundsWithTraces(store, campaign)) out.push(browsedRound(await roundTraces(store, campaign, round), cap));
  return out;
}

function roundRobin<T>(items: readonly T[], key: (t: T) => string, cap: number): T[] {
  const groups = new Map<string, T[]>();
  for (const t of items) (groups.get(key(t)) ?? groups.set(key(t), []).get(key(t))!).push(t);
  const queues = [...groups.values()];
  const out: T[] = [];
  for (let i = 0; out.length < cap && queues.some((q) => i < q.length); i++) {
    for (const q of queues) if (i < q.length && out.length < cap) out.push(q[i]!);
  }
  return out;
}

function traceDetails(t: TraceRow): string {
  const side = t.verdict.kept ? 'kept' : 'dropped';
  const summary = `<code>${escapeHtml(t.problemId)}</code> L${t.levelIndex} sample ${t.sampleIndex} \u00b7 ${t.trace.grade.correct ? 'correct' : 'incorrect'} \u00b7 <span class="verdict">${escapeHtml(verdictText(t.verdict))}</span>`;
  const flags = t.flags.length ? `<ul>${t.flags.map((f) => `<li>${escapeHtml(flagText(f))}</li>`).join('')}</ul>` : 'none';
  const turns = t.trace.messages
    .map((m, i) => `<li class="turn role-${m.role}${m.corrected ? ' corrected' : ''}"><b>${i}. ${m.role}${m.corrected ? ' (corrected later, not trained on)' : ''}</b><pre>${escapeHtml(m.content)}</pre></li>`)
    .join('');
  // The id names one trace, so a link (report.html#trace-r1-...) or a test can point at it.
  return `<details class="trace ${side}" id="${escapeHtml(traceAnchor(t))}" data-problem="${escapeHtml(t.problemId)}" data-sample="${t.sampleIndex}" data-reason="${escapeHtml(t.verdict.code ?? 'kept')}"><summary>${summary}</summary>
<dl><dt>decision</dt><dd class="reason">${escapeHtml(verdictText(t.verdict))}</dd><dt>grade</dt><dd>${escapeHtml(gradeText(t.trace))}</dd><dt>final check</dt><dd>${escapeHtml(finalCheckText(t.finalCheck))}</dd><dt>verifier flags</dt><dd>${flags}</dd><dt>model</dt><dd><code>${escapeHtml(t.model)}</code>, ${t.trace.turns} turns</dd></dl>
<ol class="turns" start="0">${turns}</ol></details>`;
}

/** The element id of a trace in the page: `trace-r<round>-<problem>-s<sample>` (characters outside [A-Za-z0-9_-] as `_`). */
export function traceAnchor(t: Pick<TraceRow, 'round' | 'problemId' | 'sampleIndex'>): string {
  return `trace-r${t.round}-${t.problemId.replace(/[^A-Za-z0-9_-]/g, '_')}-s${t.sampleIndex}`;
}

function side(title: string, shown: TraceRow[], total: number): string {
  const more = total > shown.length ? ` (showing ${shown.length}; ${total - shown.length} more in the run store: \`strawberry traces\`)` : '';
  return `<h4>${title}: ${total}${more}</h4>\n${shown.length ? shown.map(traceDetails).join('\n') : '<p>none</p>'}`;
}

/** The section, or a line saying there are no traces. */
export function traceBrowserSection(rounds: readonly BrowsedRound[]): string {
  if (!rounds.length) return '<h2 id="traces">Traces</h2><p>No graded traces in the run store.</p>';
  const body = rounds
    .map((r) => `<section class="trace-round" id="traces-round-${r.round}"><h3>Round ${r.round}</h3>\n${side('Kept', r.kept, r.keptTotal)}\n${side('Dropped', r.dropped, r.droppedTotal)}</section>`)
    .join('\n');
  return `<h2 id="traces">Traces: kept and dropped, per round</h2>\n<p>Click a trace to see every turn, the verifier flags, the final check, the grade and why it was kept or dropped.</p>\n${body}`;
}

/** Styles of the section (inlined into the page's <style>). */
export const TRACE_BROWSER_CSS = `
details.trace { border: 1px solid #ddd; margin: 4px 0; padding: 2px 8px; } details.trace[open] { background: #fafafa; }
details.trace.dropped summary .verdict { color: #b03030; } details.trace.kept summary .verdict { color: #2a7d2a; }
details.trace dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; } details.trace dt { font-weight: 600; }
ol.turns pre { white-space: pre-wrap; margin: 2px 0 8px; font-size: 12px; } li.role-user b { color: #555; } li.corrected pre { color: #888; text-decoration: line-through; }`;
