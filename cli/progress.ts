import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import cliProgress from 'cli-progress';
import { roundWorkflowId } from '../workflows/round';

/**
 * Per-problem progress of a running round, read from the server: the shard activities heartbeat
 * `{done, total}` (problems) after every problem, and the server keeps the last heartbeat of each pending
 * activity. Needs no query, so it also works while the round's worker is busy.
 */
export interface ShardProgress {
  activity: string;
  attempt: number;
  done: number;
  total: number;
}

export async function runningShards(client: Client, campaign: string, round: number): Promise<ShardProgress[]> {
  let raw;
  try {
    raw = (await client.workflow.getHandle(roundWorkflowId(campaign, round)).describe()).raw;
  } catch {
    return []; // the round has not started yet
  }
  const shards: ShardProgress[] = [];
  for (const a of raw.pendingActivities ?? []) {
    const payload = a.heartbeatDetails?.payloads?.[0];
    if (!payload) continue;
    let details: unknown;
    try {
      details = defaultPayloadConverter.fromPayload(payload);
    } catch {
      continue;
    }
    const d = details as { done?: unknown; total?: unknown };
    if (typeof d?.done !== 'number' || typeof d.total !== 'number') continue;
    shards.push({ activity: a.activityType?.name ?? 'activity', attempt: a.attempt ?? 1, done: d.done, total: d.total });
  }
  return shards;
}

/** `problems 37/100 in 2 running shard(s)`, or '' when no shard has heartbeat yet. */
export function problemsText(shards: readonly ShardProgress[]): string {
  if (shards.length === 0) return '';
  const done = shards.reduce((s, p) => s + p.done, 0);
  const total = shards.reduce((s, p) => s + p.total, 0);
  return `problems ${done}/${total} in ${shards.length} running shard${shards.length === 1 ? '' : 's'}`;
}

/**
 * Bars on a terminal (stderr, so stdout keeps only tables and results): one for the phase's shards and one per
 * running shard's problems. cli-progress redraws in place, handles terminal width and hides the cursor; off a
 * terminal it draws nothing (callers print plain lines instead).
 */
export class ProgressBars {
  private multi = ProgressBars.create();
  private bars: cliProgress.SingleBar[] = [];
  private last: { phase?: { phase: string; done: number; total: number }; shards: readonly ShardProgress[] } = { shards: [] };

  private static create(): cliProgress.MultiBar {
    return new cliProgress.MultiBar(
      { format: ' {label} [{bar}] {value}/{total} {unit}', barsize: 30, hideCursor: true, clearOnComplete: true, stopOnComplete: false, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
  }

  /** Writes `text` to stdout above the bars: they are cleared, the text written, and the bars drawn again. */
  log(text: string): void {
    this.multi.stop();
    this.bars = [];
    process.stdout.write(text);
    this.multi = ProgressBars.create();
    this.update(this.last.phase, this.last.shards);
  }

  static available(): boolean {
    return Boolean(process.stderr.isTTY);
  }

  /** Redraws: `phase` shards done of total, then each running shard's problems. */
  update(phase: { phase: string; done: number; total: number } | undefined, shards: readonly ShardProgress[]): void {
    this.last = { phase, shards };
    const rows = [
      ...(phase && phase.total > 0 ? [{ label: phase.phase.padEnd(16), value: phase.done, total: phase.total, unit: 'shards' }] : []),
      ...shards.map((s, i) => ({ label: `  shard ${i + 1}`.padEnd(16), value: s.done, total: s.total, unit: 'problems' })),
    ];
    while (this.bars.length > rows.length) this.multi.remove(this.bars.pop()!);
    rows.forEach((r, i) => {
      const payload = { label: r.label, unit: r.unit };
      if (this.bars[i]) {
        this.bars[i]!.setTotal(r.total);
        this.bars[i]!.update(r.value, payload);
      } else this.bars.push(this.multi.create(r.total, r.value, payload));
    });
  }

  stop(): void {
    this.multi.stop();
  }
}
