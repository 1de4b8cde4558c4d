import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { Command } from 'commander';
import type { CampaignOutcome } from '../../lib/campaign/types';
import { UserError } from '../../lib/errors';
import { roundWorkflowId } from '../../workflows/round';
import { roundStatusQuery, statusQuery, type CampaignStatus, type RoundStatus } from '../../workflows/messages';
import { campaignHandle } from '../campaigns';
import { requireCampaign, withClient, type Connected } from '../connect';
import { roundsTable } from '../report';

/** What `status` shows: the live status of a running campaign, or how a finished one ended. */
export type StatusView =
  | { running: true; status: CampaignStatus; retrying?: RetryingActivity[] }
  | { running: false; name: string; workflowStatus: string; result?: CampaignOutcome; failure?: string };

/** An activity of the running round that failed at least once and is being retried (from `describe()`). */
export interface RetryingActivity {
  activity: string;
  attempt: number;
  lastFailure?: string;
}

/** The round's pending activities that are retrying: the workflow cannot see attempts, the server can. */
async function retryingActivities(c: Connected, name: string, round: number): Promise<RetryingActivity[]> {
  try {
    const d = await c.client.workflow.getHandle(roundWorkflowId(name, round)).describe();
    return (d.raw.pendingActivities ?? [])
      .filter((a) => (a.attempt ?? 1) > 1 || a.lastFailure)
      .map((a) => ({ activity: a.activityType?.name ?? '?', attempt: a.attempt ?? 1, lastFailure: a.lastFailure?.message ?? undefined }));
  } catch {
    return []; // the round has not started yet, or just ended
  }
}

async function readStatus(c: Connected, name: string, d: WorkflowExecutionDescription): Promise<StatusView> {
  const handle = campaignHandle(c.client, name);
  if (d.status.name !== 'RUNNING') {
    if (d.status.name === 'COMPLETED') return { running: false, name, workflowStatus: d.status.name, result: await handle.result() };
    let failure: string | undefined;
    try {
      await handle.result();
    } catch (err) {
      failure = (err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined) ?? (err instanceof Error ? err.message : String(err));
    }
    return { running: false, name, workflowStatus: d.status.name, failure };
  }
  let status: CampaignStatus;
  try {
    status = await handle.query(statusQuery);
  } catch (err) {
    throw new UserError(
      `campaign "${name}" is running but its status query failed (${err instanceof Error ? err.message : String(err)}); is a worker serving task queue ${d.taskQueue}? (\`strawberry worker --task-queue ${d.taskQueue}\`)`,
      1,
    );
  }
  if (!status.progress && status.phase === 'round') {
    // The running phase's progress lives in the round's child workflow.
    try {
      const round = await c.client.workflow.getHandle(roundWorkflowId(name, status.round)).query(roundStatusQuery);
      status = { ...status, progress: (round as RoundStatus).progress ?? { phase: round.phase, done: 0, total: 0 } };
    } catch {
      // the round has not started yet, or just ended
    }
  }
  const retrying = status.phase === 'round' ? await retryingActivities(c, name, status.round) : [];
  return { running: true, status, ...(retrying.length ? { retrying } : {}) };
}

function progressBar(done: number, total: number, width = 30): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} (${Math.round(frac * 100)}%)`;
}

/** One line: what a script or a log reads. */
export function statusLine(view: StatusView): string {
  if (!view.running) {
    if (view.result) return `campaign ${view.name}: finished (${view.result.stopReason}); final model ${view.result.finalModel}, frontier level ${view.result.frontier}`;
    return `campaign ${view.name}: ${view.workflowStatus}${view.failure ? ` (${view.failure})` : ''}`;
  }
  const s = view.status;
  const phase = s.progress ? `${s.progress.phase}${s.progress.total > 0 ? ` ${s.progress.done}/${s.progress.total}` : ''}` : s.phase;
  const parts = [
    `round ${s.round}`,
    `phase ${phase}`,
    `frontier level ${s.frontier} (levels 0-${s.levelCount - 1})`,
    `model ${s.currentModel}`,
    `rounds without promotion ${s.roundsWithoutPromotion}`,
  ];
  if (s.paused) parts.push('PAUSED');
  if (s.blockedReason) parts.push(`BLOCKED: ${s.blockedReason}`);
  for (const r of view.retrying ?? []) parts.push(`RETRYING ${r.activity} (attempt ${r.attempt})${r.lastFailure ? `: ${r.lastFailure}` : ''}`);
  return `campaign ${s.name}: ${parts.join(', ')}`;
}

/** The full picture: the status line, the progress bar of the running phase, the rounds so far. */
function statusBlock(view: StatusView, tty: boolean): string {
  const lines = [statusLine(view)];
  if (view.running) {
    const s = view.status;
    if (tty && s.progress && s.progress.total > 0) lines.push(`  ${s.progress.phase.padEnd(12)} ${progressBar(s.progress.done, s.progress.total)}`);
    if (s.paused) lines.push(`  paused: \`strawberry unpause ${s.name}\` goes on`);
    if (s.blockedReason) lines.push(`  blocked: \`strawberry unpause ${s.name}\` retries the round's failed step, \`strawberry cancel ${s.name}\` ends the campaign`);
    if (s.summaries.length) lines.push('', roundsTable(s.summaries));
  } else if (view.result) {
    if (view.result.rounds.length) lines.push('', roundsTable(view.result.rounds));
  } else {
    lines.push(`  \`strawberry resume ${view.name}\` starts it again from its last completed round`);
  }
  return lines.join('\n');
}

function viewJson(view: StatusView): unknown {
  return view.running ? { ...view.status, ...(view.retrying ? { retrying: view.retrying } : {}) } : { name: view.name, status: view.workflowStatus, result: view.result, failure: view.failure };
}

/** `strawberry status <name>`: a campaign's round, phase, frontier and model; `--watch` follows it. */
export function registerStatus(program: Command): void {
  program
    .command('status <name>')
    .description('show a campaign: round, phase (with progress), frontier, model, rounds so far; its result once finished')
    .option('--watch', 'keep following it (redrawn with progress bars on a terminal, one line per change otherwise)')
    .option('--json', 'print the status object as JSON')
    .option('--interval <seconds>', 'seconds between two looks with --watch', '1')
    .action(async (name: string, opts: { watch?: boolean; json?: boolean; interval: string }) => {
      const interval = Number(opts.interval);
      if (!(interval > 0)) throw new UserError(`--interval: expected a positive number of seconds, got ${JSON.stringify(opts.interval)}`);
      const tty = Boolean(process.stdout.isTTY) && !opts.json;
      await withClient(async (c) => {
        let d = await requireCampaign(c, name);
        let view = await readStatus(c, name, d);
        if (!opts.watch) {
          process.stdout.write(opts.json ? `${JSON.stringify(viewJson(view), null, 2)}\n` : `${statusBlock(view, tty)}\n`);
          return;
        }
        let previous = '';
        let drawnLines = 0;
        for (;;) {
          if (opts.json) {
            const text = JSON.stringify(viewJson(view));
            if (text !== previous) process.stdout.write(`${text}\n`);
            previous = text;
          } else if (tty) {
            const block = statusBlock(view, true);
            // Move up over the previous drawing and clear it, then draw again.
            process.stdout.write(`${drawnLines ? `\x1b[${drawnLines}F\x1b[J` : ''}${block}\n`);
            // Lines wider than the terminal wrap: count the rows they take.
            const columns = process.stdout.columns || 80;
            drawnLines = block.split('\n').reduce((n, l) => n + Math.max(1, Math.ceil(l.length / columns)), 0);
          } else {
            const line = statusLine(view);
            if (line !== previous) process.stdout.write(`${line}\n`);
            previous = line;
          }
          if (!view.running) {
            if (!tty && !opts.json) process.stdout.write(`${statusBlock(view, false).split('\n').slice(1).join('\n')}\n`);
            return;
          }
          await sleep(interval * 1000);
          d = await requireCampaign(c, name);
          view = await readStatus(c, name, d);
        }
      });
    });
}
