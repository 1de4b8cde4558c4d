import { keyProblem, type SampleKey } from './key';
import type { AppendResult } from './ledger';
import type { NewSampleRecord, SampleRecord } from './record';

/** One record to commit, with the label of the writer that appended it. */
export interface CommitRow {
  record: SampleRecord;
  writer: string;
}

interface Pending {
  /** Each record with its key's base (baseString), computed once. */
  records: { record: SampleRecord; base: string }[];
  writer: string;
  resolve: (r: AppendResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for a ledger: the appends of one event-loop turn (the lanes of all shards of a process) are handed
 * to `commit` as one batch, and each append settles once that batch committed (resolved = recorded). Until then
 * the records are readable through `pendingOf`, and a key appended twice in flight is written once.
 */
export class GroupCommit {
  /** Appended, not committed yet: by the key without its index (baseString), then by index. */
  private readonly pendingByBase = new Map<string, Map<number, SampleRecord>>();
  private queue: Pending[] = [];
  private flushScheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  /** `commit` writes the rows (INSERT ... ignoring held keys) and answers, per row, whether it was new. */
  constructor(private readonly commit: (rows: CommitRow[]) => Promise<boolean[]>) {}

  /** The record appended under `key` and not committed yet. */
  pending(key: SampleKey): SampleRecord | undefined {
    return this.pendingByBase.get(baseString(key))?.get(key.sampleIndex);
  }

  /** The uncommitted records of one key base, by index. */
  pendingOf(base: Omit<SampleKey, 'sampleIndex'>): ReadonlyMap<number, SampleRecord> | undefined {
    return this.pendingByBase.get(baseString(base));
  }

  append(records: readonly NewSampleRecord[], writer: string): Promise<AppendResult> {
    const now = new Date().toISOString();
    const batch: SampleRecord[] = [];
    for (const r of records) {
      const problem = keyProblem(r as unknown as Record<string, unknown>);
      if (problem) return Promise.reject(new Error(`ledger append: ${problem}`));
      batch.push({ ...r, timestamp: r.timestamp ?? now } as SampleRecord);
    }
    return new Promise((resolve, reject) => {
      const fresh: Pending['records'] = [];
      let skipped = 0;
      // The records of one append nearly always share their key's base: its string is built once.
      let baseOf: SampleRecord | undefined;
      let base = '';
      for (const r of batch) {
        if (!baseOf || baseOf.problemId !== r.problemId || baseOf.model !== r.model || baseOf.samplingParamsHash !== r.samplingParamsHash || baseOf.purpose !== r.purpose) {
          baseOf = r;
          base = baseString(r);
        }
        let m = this.pendingByBase.get(base);
        if (m?.has(r.sampleIndex)) {
          skipped++;
          continue;
        }
        if (!m) this.pendingByBase.set(base, (m = new Map()));
        m.set(r.sampleIndex, r);
        fresh.push({ record: r, base });
      }
      this.queue.push({ records: fresh, writer, resolve: (res) => resolve({ appended: res.appended, skipped: res.skipped + skipped }), reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now and waits for every batch in flight. */
  async drain(): Promise<void> {
    if (this.flushScheduled) this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Commits everything appended so far as one batch. */
  private flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    const rows: CommitRow[] = [];
    for (const p of queue) for (const { record } of p.records) rows.push({ record, writer: p.writer });
    const settle = () => {
      for (const p of queue)
        for (const { record, base } of p.records) {
          const m = this.pendingByBase.get(base);
          if (m?.get(record.sampleIndex) !== record) continue;
          m.delete(record.sampleIndex);
          if (m.size === 0) this.pendingByBase.delete(base);
        }
    };
    const done = this.commit(rows).then(
      (isNew) => {
        settle();
        let at = 0;
        for (const p of queue) {
          const res = { appended: 0, skipped: 0 };
          for (let i = 0; i < p.records.length; i++) if (isNew[at++]) res.appended++;
          else res.skipped++;
          p.resolve(res);
        }
      },
      (err: unknown) => {
        settle();
        for (const p of queue) p.reject(err);
      },
    );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }
}

/** The key without its sample index, as a map key. */
export function baseString(k: Omit<SampleKey, 'sampleIndex'>): string {
  return JSON.stringify([k.problemId, k.model, k.samplingParamsHash, k.purpose]);
}

/** Records of a key base below `below`: the committed ones, overlaid with those still in flight, by index. */
export function withPending(committed: readonly SampleRecord[], pending: ReadonlyMap<number, SampleRecord> | undefined, below: number): SampleRecord[] {
  if (!pending || pending.size === 0) return [...committed];
  const byIndex = new Map<number, SampleRecord>(committed.map((r) => [r.sampleIndex, r]));
  for (const [i, r] of pending) if (i < below) byIndex.set(i, r);
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}
