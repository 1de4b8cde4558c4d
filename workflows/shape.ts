import { WORKFLOW_SHAPE } from '../lib/campaign/types';

/**
 * The upgrade policy (README, "Upgrading"): a release that changes the shape of workflow inputs or the order of
 * their commands bumps WORKFLOW_SHAPE instead of piling up `patched()` branches. A worker that meets a history
 * of another shape fails that workflow task (Temporal retries it, so a worker of the older release may still
 * take it) with this message, never a bare nondeterminism error: the campaign is carried over with
 * `strawberry resume --terminate`, which restarts it after its last completed round from the run store and the
 * ledger, without paying again for samples already drawn.
 */
export function assertCurrentShape(input: unknown, kind: 'campaign' | 'round'): void {
  const shape = (input as { shape?: unknown } | undefined)?.shape ?? 1;
  if (shape === WORKFLOW_SHAPE) return;
  const name = (input as { name?: string; campaign?: string; config?: { name?: string } } | undefined);
  const campaign = name?.name ?? name?.campaign ?? name?.config?.name ?? '<name>';
  throw new Error(
    `this ${kind} workflow was started by another open-strawberry release (workflow shape ${String(shape)}; this worker runs shape ${WORKFLOW_SHAPE}) and cannot be replayed here. ` +
      `Either let a worker of that release finish it, or carry the campaign over: \`strawberry resume ${campaign} --terminate\` ` +
      '(it ends the old workflow and starts again after the last completed round, reusing the run store and the sample ledger, so nothing is paid twice).',
  );
}
