import type { SampleKey } from './key';
import type { NewSampleRecord, SampleGrade, SampleRecord } from './record';

/**
 * The sample ledger behind its two implementations: SQLite (lib/ledger/sampleLedger.ts, the embedded default, one
 * database per campaign on local disk) and PostgreSQL (lib/ledger/postgresLedger.ts, one database for many
 * campaigns and hosts). Reads are async and bounded (a key, a key prefix below an index) or streamed (`records`),
 * never a whole-table load; `append` is idempotent by sample key: the first record of a key stays.
 */
export interface Ledger {
  /** Where it is, for messages (a path, or a URL without password and the campaign). */
  readonly location: string;
  get(key: SampleKey): Promise<SampleRecord | undefined>;
  has(key: SampleKey): Promise<boolean>;
  /** Records of one problem/model/params/purpose with sample index < `below`, by index (one indexed query). */
  recordsOf(base: Omit<SampleKey, 'sampleIndex'>, below: number): Promise<SampleRecord[]>;
  /** The sample indices in [0, count) the ledger does not hold yet for this problem/model/params/purpose. */
  missing(base: Omit<SampleKey, 'sampleIndex'>, count: number): Promise<number[]>;
  /** Streams records in insertion order, optionally filtered (indexed when `problemId` is given). */
  records(filter?: RecordFilter): AsyncGenerator<SampleRecord>;
  /**
   * Appends records; the promise settles once they are committed. Appends of one event-loop turn are written
   * together (group commit); keys already held are skipped (use `regrade` to change grades).
   */
  append(records: readonly NewSampleRecord[], writer?: string): Promise<AppendResult>;
  /**
   * Recomputes grades without sampling: every record not yet graded by `newVersion` gets `gradeFn(record)`
   * (undefined leaves it as it is), in pages of committed transactions; the replaced version goes to `regradedFrom`.
   */
  regrade(gradeFn: (r: SampleRecord) => SampleGrade | undefined | Promise<SampleGrade | undefined>, newVersion: string): Promise<RegradeResult>;
  /** Samples and tokens summed by writer, purpose and model (reports and budget; one aggregate query). */
  usage(): Promise<LedgerUsageRow[]>;
  /** Records held (one COUNT query). */
  count(): Promise<number>;
  /** This ledger as seen by one writer (a shard of an activity): what it appends carries `writer` as its label. */
  view(writer: string): LedgerView;
  /** Waits for appends in flight and releases the connection. */
  close(): Promise<void>;
}

/** What activities use of a ledger: lookups of their own keys and appends under their writer label. */
export type LedgerView = Pick<Ledger, 'get' | 'has' | 'recordsOf' | 'missing' | 'records'> & {
  append(records: readonly NewSampleRecord[]): Promise<AppendResult>;
};

export interface AppendResult {
  appended: number;
  skipped: number;
}

export interface RecordFilter extends Partial<SampleKey> {
  where?: (r: SampleRecord) => boolean;
  /** Only records written by a writer whose label starts with this (e.g. `estimate-r1-`). */
  writerPrefix?: string;
}

export interface RegradeResult {
  regraded: number;
  /** Records whose `correct` flipped. */
  changed: number;
  /** Records already graded by `newVersion` (or that the grade function left alone). */
  unchanged: number;
}

export interface LedgerUsageRow {
  writer: string | null;
  purpose: string;
  model: string;
  samples: number;
  promptTokens: number;
  completionTokens: number;
}

/** The view of a ledger for one writer label. */
export function viewOf(ledger: Ledger, writer: string): LedgerView {
  return {
    get: (k) => ledger.get(k),
    has: (k) => ledger.has(k),
    recordsOf: (b, below) => ledger.recordsOf(b, below),
    missing: (b, count) => ledger.missing(b, count),
    records: (f) => ledger.records(f),
    append: (r) => ledger.append(r, writer),
  };
}

/** The indices in [0, count) not among `have`. */
export function missingIndices(have: readonly SampleRecord[], count: number): number[] {
  const held = new Set(have.map((r) => r.sampleIndex));
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (!held.has(i)) out.push(i);
  return out;
}

/** All records of a stream, for callers that need them together (tests, small filtered reads). */
export async function collectRecords(records: AsyncIterable<SampleRecord>): Promise<SampleRecord[]> {
  const out: SampleRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

/** The round a writer label names (`estimate-r3-s1` -> 3), or null. */
export function roundOfWriter(writer: string | null | undefined): number | null {
  const m = /^[a-z-]+?-r(\d+)(?:-[a-z0-9-]+)?$/.exec(writer ?? '');
  return m ? Number(m[1]) : null;
}
