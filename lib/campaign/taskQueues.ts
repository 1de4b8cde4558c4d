/**
 * Kinds of work that may run on task queues of their own, so a worker serves only what its host can do (the
 * GPU host trains, cheap hosts sample). Absent, everything runs on the campaign's queue (histories unchanged).
 * Pure: the workflows pick an activity's queue with it, `strawberry worker --queues` names the same queues.
 */
export const WORK_KINDS = ['sampling', 'training', 'serving'] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

/** A kind's setting: true for `<campaign queue>-<kind>`, a queue name, or false/absent for the campaign's queue. */
export type TaskQueueSetting = boolean | string;
export type TaskQueueSettings = Partial<Record<WorkKind, TaskQueueSetting>>;

/** The conventional queue of a kind beside a main queue: `strawberry` -> `strawberry-training`. */
export function kindQueueName(mainQueue: string, kind: WorkKind): string {
  return `${mainQueue}-${kind}`;
}

/** The queue a kind of work runs on, or undefined for the campaign's own queue. */
export function taskQueueFor(settings: TaskQueueSettings | undefined, kind: WorkKind, mainQueue: string): string | undefined {
  const s = settings?.[kind];
  if (s === undefined || s === false) return undefined;
  return s === true ? kindQueueName(mainQueue, kind) : s;
}

export function isWorkKind(s: string): s is WorkKind {
  return (WORK_KINDS as readonly string[]).includes(s);
}
