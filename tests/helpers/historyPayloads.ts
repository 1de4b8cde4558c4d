/** Sizes of the decoded payloads in a recorded history (JSON as `historyToJSON` writes it). */

interface Payloads {
  payloads?: { data?: string }[];
}
interface HistoryJson {
  events: {
    activityTaskScheduledEventAttributes?: { activityType?: { name?: string }; input?: Payloads };
    workflowExecutionContinuedAsNewEventAttributes?: { input?: Payloads };
  }[];
}

function bytesOf(p: Payloads | undefined): number {
  return (p?.payloads ?? []).reduce((n, x) => n + Buffer.from(x.data ?? '', 'base64').length, 0);
}

/** Each scheduled activity's input, decoded, in bytes. */
export function activityInputSizes(history: HistoryJson): { activity: string; bytes: number }[] {
  return history.events.flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    return a ? [{ activity: a.activityType?.name ?? '?', bytes: bytesOf(a.input) }] : [];
  });
}

/** Each continue-as-new's input, decoded, in bytes. */
export function continueAsNewInputSizes(history: HistoryJson): number[] {
  return history.events.flatMap((e) => (e.workflowExecutionContinuedAsNewEventAttributes ? [bytesOf(e.workflowExecutionContinuedAsNewEventAttributes.input)] : []));
}
