import { setCurrentDetails, upsertMemo } from '@temporalio/workflow';
import type { CampaignSettings } from '../lib/campaign/settings';
import type { SkillState } from '../lib/campaign/skills';
import type { CampaignState, RoundInput, RoundSummary } from '../lib/campaign/types';

/**
 * What a person reading the Web UI sees. "Current details" (setCurrentDetails) are answered by a worker, so
 * they vanish when no worker runs; the memo is kept by the server, so what a campaign and each round did stays
 * readable with every worker gone, and the campaign's memo is carried through continue-as-new.
 *
 * The server keeps a memo in every history event that sets it and warns above 2 KB (TMPRL1103), so a memo is
 * held under MEMO_BUDGET bytes of JSON: the campaign's shows the most recent rounds of the table (the current
 * details, `strawberry status` and `strawberry report` show them all), a round's its latest notes. Memo keys
 * (JSON): `summary` (one line), `details` (markdown), `configHash` (the stored config version) and, for a round,
 * `round` (its phase, frontier, student, attempt and, once done, its outcome).
 */

/** Bytes of memo JSON kept under the server's 2,048-byte warning, with room for the payloads' metadata. */
export const MEMO_BUDGET = 1800;

/** A campaign as its memo shows it. */
export interface CampaignView {
  name: string;
  state: CampaignState;
  settings?: CampaignSettings;
  summaries: readonly RoundSummary[];
  phase: string;
  blockedReason?: string;
  stopReason?: string;
}

function accuracyCell(s: RoundSummary): string {
  return Object.entries(s.evaluation)
    .map(([level, e]) => `L${level} ${(100 * e.accuracy).toFixed(0)}%`)
    .join(', ');
}

export function summaryTable(summaries: readonly RoundSummary[]): string {
  if (summaries.length === 0) return '_no round finished yet_';
  const rows = summaries.map(
    (s) => `| ${s.round} | ${s.frontier} | ${s.candidates} | ${s.inBand} | ${s.tracesKept} | ${s.datasetExamples} | ${s.model} | ${s.outcome} | ${accuracyCell(s)} |`,
  );
  return ['| round | frontier | candidates | in band | traces kept | examples | model | outcome | held-out accuracy |', '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

/** Per-skill mode: one row per skill (frontier, status and why when parked, samples so far). */
export function skillTable(skills: readonly SkillState[]): string {
  const rows = skills.map((k) => `| ${k.skill} | ${k.frontier} | ${k.status}${k.status === 'parked' && k.reason ? `: ${k.reason}` : ''} | ${k.samples} |`);
  return ['| skill | frontier | status | samples |', '|---|---|---|---|', ...rows].join('\n');
}

/** The round shown for a campaign: the next one while it runs, the last one run once it stopped. */
export function shownRound(state: CampaignState, stopped: boolean): number {
  return stopped ? Math.max(0, state.round - 1) : state.round;
}

export function campaignSummaryLine(v: CampaignView): string {
  const last = v.summaries.length ? v.summaries[v.summaries.length - 1]!.round : 0;
  const rounds = `${last} of at most ${v.settings?.maxRounds ?? '?'} rounds done`;
  const where = v.stopReason ? `stopped (${v.stopReason})` : `${v.phase}${v.state.paused ? ' (paused)' : ''}, round ${v.state.round}`;
  return `campaign ${v.name}: ${where}; ${rounds}; frontier level ${v.state.frontier} of ${v.state.levelCount}; student ${v.state.currentModel}`;
}

export function campaignDetails(v: CampaignView): string {
  const round = v.stopReason ? `**rounds run** ${shownRound(v.state, true)}` : `**round** ${v.state.round}`;
  const lines = [
    `## Campaign ${v.name}`,
    `**Phase:** ${v.phase}${v.state.paused ? ' (paused)' : ''} · ${round} · **frontier** level ${v.state.frontier} of ${v.state.levelCount} · **student** \`${v.state.currentModel}\``,
  ];
  if (v.blockedReason) lines.push('', `**Blocked:** ${v.blockedReason}`, '', 'Signal `unpause` (`strawberry unpause ' + v.name + '`) to retry, or `cancel`.');
  if (v.stopReason) lines.push('', `**Stopped:** ${v.stopReason}`);
  if (v.state.skills) lines.push('', skillTable(v.state.skills));
  lines.push('', summaryTable(v.summaries));
  return lines.join('\n');
}

/** The campaign's memo: also passed to continue-as-new, so every run of the campaign shows it from its start. */
export function campaignMemo(v: CampaignView): Record<string, unknown> {
  const memo = (shown: readonly RoundSummary[]) => {
    const hidden = v.summaries.length - shown.length;
    const more = hidden > 0 ? `\n\n_${hidden} earlier round${hidden === 1 ? '' : 's'}: \`strawberry report ${v.name}\`_` : '';
    return { summary: campaignSummaryLine(v), details: campaignDetails({ ...v, summaries: shown }) + more, configHash: v.state.configHash };
  };
  return fitted(v.summaries, memo);
}

/** The memo of the longest tail of `items` that fits MEMO_BUDGET (at least the memo of none). */
function fitted<T>(items: readonly T[], memoOf: (shown: readonly T[]) => Record<string, unknown>): Record<string, unknown> {
  for (let from = 0; from < items.length; from++) {
    const m = memoOf(items.slice(from));
    if (JSON.stringify(m).length <= MEMO_BUDGET) return m;
  }
  return memoOf([]);
}

/** Current details and memo of a campaign. */
export function showCampaign(v: CampaignView): void {
  setCurrentDetails(campaignDetails(v));
  upsertMemo(campaignMemo(v));
}

export function roundDetails(input: RoundInput, phase: string, notes: readonly string[], summary?: RoundSummary): string {
  const lines = [
    `## Round ${input.round} of ${input.campaign}`,
    `**Phase:** ${phase} · **frontier** level ${input.frontier} · **student** \`${input.model}\` · fine-tune attempt ${input.attempt}`,
    '',
    ...notes.map((n) => `- ${n}`),
  ];
  if (summary) lines.push('', summaryTable([summary]));
  return lines.join('\n');
}

/** Current details and memo of a round: what it did stays readable without a worker. */
export function showRound(input: RoundInput, phase: string, notes: readonly string[], summary?: RoundSummary): void {
  setCurrentDetails(roundDetails(input, phase, notes, summary));
  upsertMemo(
    fitted(notes, (shown) => ({
      summary: `round ${input.round} of ${input.campaign}: ${phase}; frontier level ${input.frontier}; student ${input.model}`,
      details: roundDetails(input, phase, shown, summary),
      configHash: input.configHash,
      round: { campaign: input.campaign, round: input.round, phase, frontier: input.frontier, student: input.model, attempt: input.attempt, ...(summary ? { outcome: summary.outcome } : {}) },
    })),
  );
}
