import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { coveredMs } from './samplingProxy';

/**
 * The orchestration share of one round: its wall time (the round workflow's first to last history event)
 * less the time sampling (a chat request in flight, from the proxy) or training (a training process alive:
 * job.json `startedAt` to the `exit_code` file's mtime) took, over the wall time.
 */
export interface RoundTime {
  wallS: number;
  samplingS: number;
  trainingS: number;
  orchestrationS: number;
  share: number;
}

export async function roundTime(client: Client, campaign: string, round: number, sampling: readonly [number, number][], jobsDir: string): Promise<RoundTime> {
  const history = await client.workflow.getHandle(`campaign/${campaign}/round/${round}`).fetchHistory();
  const ms = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  const events = history.events ?? [];
  const from = ms(events[0]!);
  const to = ms(events[events.length - 1]!);
  const training: [number, number][] = [];
  for (const id of existsSync(jobsDir) ? readdirSync(jobsDir) : []) {
    const exit = path.join(jobsDir, id, 'exit_code');
    const job = path.join(jobsDir, id, 'job.json');
    if (!existsSync(exit) || !existsSync(job)) continue;
    const started = Date.parse((JSON.parse(readFileSync(job, 'utf8')) as { startedAt?: string }).startedAt ?? '');
    if (Number.isFinite(started)) training.push([started, statSync(exit).mtimeMs]);
  }
  const wall = to - from;
  const samplingMs = coveredMs(sampling, from, to);
  const trainingMs = coveredMs(training, from, to);
  const busy = coveredMs([...sampling, ...training], from, to);
  const orch = Math.max(0, wall - busy);
  return { wallS: wall / 1000, samplingS: samplingMs / 1000, trainingS: trainingMs / 1000, orchestrationS: orch / 1000, share: wall > 0 ? orch / wall : 0 };
}
