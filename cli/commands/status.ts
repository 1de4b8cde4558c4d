import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { Command } from 'commander';
import type { CampaignOutcome } from '../../lib/campaign/types';
import type { FinalEvaluation } from '../../lib/eval/finalEvaluation';
import { UserError } from '../../lib/errors';
import { finalEvaluationText } from '../../lib/report/finalEvaluation';
import { DirectoryRunStore } from '../../lib/store';
import { roundWorkflowId } from '../../workflows/round';
import { roundStatusQuery, statusQuery, type CampaignStatus, type RoundStatus } from '../../workflows/messages';
import { campaignHandle } from '../campaigns';
import { requireCampaign, withClient, type Connected } from '../connect';
import { ProgressBars, problemsText, runningShards, type ShardProgress } from '../progress';
import { roundsTable, skillRoundsTable, skillStatesTable } from '../tables';

/** What `status` shows: the live status of a running campaign, or how a finished one ended. */
export type StatusView =
  | { running: true; status: CampaignStatus; retrying?: RetryingActivity[]; shards?: ShardProgress[] }
  | { running: false; name: string; workflowStatus: string; result?: CampaignOutcome; failure?: string; evaluation?: FinalEvaluation };

/** An activity of the running round that failed at least once and is being retried (from `describe()`). */
export interface RetryingActivity {
  activity: string;
  attempt: number;
  lastFailure?: string;
}

/** The round's pending activities that are retrying: the workflow cannot see attempts, the server can. */
async function retryingActivities(c: Pick<Connected, 'client'>, name: string, round: number): Promise<RetryingActivity[]> {
  try {
    const d = await c.client.workflow.getHandle(roundWorkflowId(name, round)).describe();
    return (d.raw.pendingActivities ?? [])
      .filter((a) => (a.attempt ?? 1) > 1 || a.lastFailure)
      .map((a) => ({ activity: a.activityType?.name ?? '?', attempt: a.attempt ?? 1, lastFailure: a.lastFailure?.message ?? undefined }));
  } catch {
    return []; // the round has not started yet, or just ended
  }
}

async function readStatus(c: Pick<Connected, 'client'>, name: string, d: WorkflowExecutionDescription): Promise<StatusView> {
  const handle = campaignHandle(c.client, name);
  if (d.status.name !== 'RUNNING') {
    if (d.status.name === 'COMPLETED') {
      const result = await handle.result();
      return { running: false, name, workflowStatus: d.status.name, result, ...(await finalEvaluationOf(result)) };
    }
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
  const shards = status.phase === 'round' ? await runningShards(c.client, name, status.round) : [];
  return { running: true, status, shards, ...(retrying.length ? { retrying } : {}) };
}

/** The final evaluation a finished campaign wrote, where this machine sees its run store (STRAWBERRY_RUNS_DIR). */
async function finalEvaluationOf(result: CampaignOutcome): Promise<{ evaluation?: FinalEvaluation }> {
  if (!result.finalEvaluation) return {};
  const store = new DirectoryRunStore(path.resolve(process.env.STRAWBERRY_RUNS_DIR ?? 'runs'));
  try {
    return { evaluation: await store.readJson<FinalEvaluation>(result.finalEvaluation) };
  } catch {
    return {}; // another machine's run store: the line names the file
  }
}

/** One line: what a script or a log reads. */
export function statusLine(view: StatusView): string {
  if (!view.running) {
    if (view.result) return `campaign ${view.name}: finished (${view.result.stopReason}); final model ${view.result.finalModel}, frontier level ${view.result.frontier}`;
    return `campaign ${view.name}: ${view.workflowStatus}${view.failure ? ` (${view.failure})` : ''}`;
  }
  const s = view.status;
  const problems = problemsText(view.shards ?? []);
  const phase = s.progress ? `${s.progress.phase}${s.progress.total > 0 ? ` (shards ${s.progress.done}/${s.progress.total}${problems ? `, ${problems}` : ''})` : ''}` : s.phase;
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

/** The full picture: the status line, the rounds so far. */
function statusBlock(view: StatusView): string {
  const lines = [statusLine(view)];
  if (view.running) {
    const s = view.status;
    if (s.paused) lines.push(`  paused: \`strawberry unpause ${s.name}\` goes on`);
    if (s.blockedReason) lines.push(`  blocked: \`strawberry unpause ${s.name}\` retries the round's failed step, \`strawberry cancel ${s.name}\` ends the campaign`);
    if (s.skills) lines.push('', skillStatesTable(s.skills));
    if (s.summaries.length) lines.push('', roundsTable(s.summaries));
  } else if (view.result) {
    if (view.result.rounds.length) lines.push('', roundsTable(view.result.rounds));
    if (view.result.rounds.some((r) => r.skills)) lines.push('', skillRoundsTable(view.result.rounds));
    if (view.evaluation) lines.push('', finalEvaluationText(view.evaluation));
    else if (view.result.finalEvaluation) lines.push('', `final evaluation: ${view.result.finalEvaluation} in the campaign's run store (\`strawberry report ${view.name}\` shows it)`);
  } else {
    lines.push(`  \`strawberry resume ${view.name}\` starts it again from its last completed round`);
  }
  return lines.join('\n');
}

function viewJson(view: StatusView): unknown {
  return view.running ? { ...view.status, ...(view.retrying ? { retrying: view.retrying } : {}) } : { name: view.name, status: view.workflowStatus, result: view.result, failure: view.failure, ...(view.evaluation ? { evaluation: view.evaluation } : {}) };
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
          process.stdout.write(opts.json ? `${JSON.stringify(viewJson(view), null, 2)}\n` : `${statusBlock(view)}\n`);
          return;
        }
        // Changes go to stdout as lines (the table when it changes); on a terminal, bars for the running phase's
        // shards and each shard's problems are redrawn in place on stderr.
        const bars = tty && ProgressBars.available() ? new ProgressBars() : undefined;
        let previous = '';
        let previousTable = '';
        try {
          for (;;) {
            if (opts.json) {
              const text = JSON.stringify(viewJson(view));
              if (text !== previous) process.stdout.write(`${text}\n`);
              previous = text;
            } else {
              // On a terminal the bars show the counts: the line changes only when the phase does.
              const line = bars && view.running ? statusLine({ ...view, shards: [], status: { ...view.status, progress: view.status.progress && { ...view.status.progress, done: 0 } } }) : statusLine(view);
              const table = statusBlock(view).split('\n').slice(1).join('\n');
              if (line !== previous) bars ? bars.log(`${statusLine(view)}\n`) : process.stdout.write(`${statusLine(view)}\n`);
              if (table !== previousTable && table.trim()) bars ? bars.log(`${table}\n`) : process.stdout.write(`${table}\n`);
              previous = line;
              previousTable = table;
              if (bars && view.running) bars.update(view.status.progress, view.shards ?? []);
            }
            if (!view.running) return;
            await sleep(interval * 1000);
            d = await requireCampaign(c, name);
            view = await readStatus(c, name, d);
          }
        } finally {
          bars?.stop();
        }
      });
    });
}

/**
 * Progress of a campaign that runs in this process (the demo): until `until` settles, every second, bars on a
 * terminal (stderr) or, off a terminal, a line on stderr when the phase changes (at most every 5 s for counts).
 */
export async function followProgress(client: Client, name: string, until: Promise<unknown>): Promise<void> {
  let settled = false;
  until.then(() => (settled = true), () => (settled = true));
  const bars = ProgressBars.available() ? new ProgressBars() : undefined;
  let lastPhase = '';
  let lastLineAt = 0;
  try {
    while (!settled) {
      await Promise.race([sleep(1000), until.catch(() => undefined)]);
      if (settled) break;
      try {
        const handle = campaignHandle(client, name);
        const view = await readStatus({ client }, name, await handle.describe());
        if (!view.running) continue;
        const s = view.status;
        if (bars) bars.update(s.progress, view.shards ?? []);
        else {
          const phase = `${s.round}/${s.progress?.phase ?? s.phase}`;
          if (phase !== lastPhase || Date.now() - lastLineAt > 5000) {
            process.stderr.write(`${statusLine(view)}\n`);
            lastPhase = phase;
            lastLineAt = Date.now();
          }
        }
      } catch {
        // between runs (continue-as-new) or while the worker is busy: try again
      }
    }
  } finally {
    bars?.stop();
  }
}
