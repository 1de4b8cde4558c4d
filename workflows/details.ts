import { patched, setCurrentDetails, upsertMemo } from '@temporalio/workflow';
import type { CampaignState, RoundInput, RoundSummary } from '../lib/campaign/types';

/**
 * What a person reading the Web UI sees. "Current details" (setCurrentDetails) are answered by a worker, so
 * they vanish when no worker runs; the memo is kept by the server, so what a campaign and each round did stays
 * readable with every worker gone, and the campaign's memo is carried through continue-as-new.
 *
 * Memo keys (JSON): `summary` (one line), `details` (markdown, the same as the current details) and
 * `rounds` (campaign: the table's rows) or `round` (a round: its phase, notes and, once done, its summary).
 */

/** Memos were added after histories were recorded: older runs replay without them. */
export const MEMO_PATCH = 'details-memo';

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

/** The round shown for a campaign: the next one while it runs, the last one run once it stopped. */
export function shownRound(state: CampaignState, stopped: boolean): number {
  return stopped ? Math.max(0, state.round - 1) : state.round;
}

export function campaignSummaryLine(name: string, state: CampaignState, phase: string, stopReason?: string): string {
  const rounds = `${state.summaries.length ? state.summaries[state.summaries.length - 1]!.round : 0} of at most ${state.config.stopping.maxRounds} rounds done`;
  const where = stopReason ? `stopped (${stopReason})` : `${phase}${state.paused ? ' (paused)' : ''}, round ${state.round}`;
  return `campaign ${name}: ${where}; ${rounds}; frontier level ${state.frontier} of ${state.levelCount}; student ${state.currentModel}`;
}

export function campaignDetails(name: string, state: CampaignState, phase: string, blockedReason?: string, stopReason?: string): string {
  const round = stopReason ? `**rounds run** ${shownRound(state, true)}` : `**round** ${state.round}`;
  const lines = [
    `## Campaign ${name}`,
    `**Phase:** ${phase}${state.paused ? ' (paused)' : ''} · ${round} · **frontier** level ${state.frontier} of ${state.levelCount} · **student** \`${state.currentModel}\``,
  ];
  if (blockedReason) lines.push('', `**Blocked:** ${blockedReason}`, '', 'Signal `unpause` (`strawberry unpause ' + name + '`) to retry, or `cancel`.');
  if (stopReason) lines.push('', `**Stopped:** ${stopReason}`);
  lines.push('', summaryTable(state.summaries));
  return lines.join('\n');
}

/** The campaign's memo: also passed to continue-as-new, so every run of the campaign shows it from its start. */
export function campaignMemo(name: string, state: CampaignState, phase: string, blockedReason?: string, stopReason?: string): Record<string, unknown> {
  return {
    summary: campaignSummaryLine(name, state, phase, stopReason),
    details: campaignDetails(name, state, phase, blockedReason, stopReason),
    rounds: state.summaries,
  };
}

/** Current details and (on runs that record it) the memo of a campaign. */
export function showCampaign(name: string, state: CampaignState, phase: string, blockedReason?: string, stopReason?: string): void {
  setCurrentDetails(campaignDetails(name, state, phase, blockedReason, stopReason));
  if (patched(MEMO_PATCH)) upsertMemo(campaignMemo(name, state, phase, blockedReason, stopReason));
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

/** Current details and (on runs that record it) the memo of a round: what it did stays readable without a worker. */
export function showRound(input: RoundInput, phase: string, notes: readonly string[], summary?: RoundSummary): void {
  const details = roundDetails(input, phase, notes, summary);
  setCurrentDetails(details);
  if (patched(MEMO_PATCH)) {
    upsertMemo({
      summary: `round ${input.round} of ${input.campaign}: ${phase}; frontier level ${input.frontier}; student ${input.model}`,
      details,
      round: { campaign: input.campaign, round: input.round, phase, frontier: input.frontier, student: input.model, attempt: input.attempt, notes: [...notes], summary },
    });
  }
}
