import type { CampaignState, RoundInput, RoundSummary } from '../lib/campaign/types';

/** Markdown for the Web UI's "current details": what a person reading the UI needs to know right now. */

function accuracyCell(s: RoundSummary): string {
  return Object.entries(s.evaluation)
    .map(([level, e]) => `L${level} ${(100 * e.accuracy).toFixed(0)}%`)
    .join(', ');
}

export function summaryTable(summaries: readonly RoundSummary[]): string {
  if (summaries.length === 0) return '_no round finished yet_';
  const rows = summaries.map(
    (s) => `| ${s.round} | ${s.frontier} | ${s.candidates} | ${s.inBand} | ${s.tracesKept} | ${s.model} | ${s.outcome} | ${accuracyCell(s)} |`,
  );
  return ['| round | frontier | candidates | in band | traces kept | model | outcome | held-out accuracy |', '|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

export function campaignDetails(name: string, state: CampaignState, phase: string, blockedReason?: string, stopReason?: string): string {
  const lines = [
    `## Campaign ${name}`,
    `**Phase:** ${phase}${state.paused ? ' (paused)' : ''} · **round** ${state.round} · **frontier** level ${state.frontier} of ${state.levelCount} · **student** \`${state.currentModel}\``,
  ];
  if (blockedReason) lines.push('', `**Blocked:** ${blockedReason}`, '', 'Signal `unpause` (`strawberry unpause ' + name + '`) to retry, or `cancel`.');
  if (stopReason) lines.push('', `**Stopped:** ${stopReason}`);
  lines.push('', summaryTable(state.summaries));
  return lines.join('\n');
}

export function roundDetails(input: RoundInput, phase: string, notes: readonly string[]): string {
  return [
    `## Round ${input.round} of ${input.campaign}`,
    `**Phase:** ${phase} · **frontier** level ${input.frontier} · **student** \`${input.model}\` · fine-tune attempt ${input.attempt}`,
    '',
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
}
