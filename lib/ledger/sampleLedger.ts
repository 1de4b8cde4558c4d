import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { iterJsonl, JsonlError, reject } from '../jsonl';
import { createLogger, type Logger } from '../log';
import { keyOf, keyProblem, type SampleKey } from './key';
import type { NewSampleRecord, SampleGrade, SampleRecord } from './record';
import { LedgerWriter, type LedgerRow } from './writerThread';

/** A ledger line that is not a record (not at the end of a file, where it would be a torn write). */
export class LedgerFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerFormatError';
  }
}

export interface LedgerOpenStats {
  /** JSONL files of earlier versions read (imported) at this open. */
  files: number;
  /** Records imported from those files at this open. */
  records: number;
  /** Torn last lines (a crash mid-write) skipped while importing. */
  torn: number;
  /** Imported lines whose key the ledger already held (the first is kept). */
  duplicates: number;
  warnings: string[];
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

export interface LedgerOpenOptions {
  /** A label stored with every record this handle writes (e.g. `estimate-r3-s12`), for diagnostics. */
  shard?: string;
  /** Where the one line about torn and duplicate lines of imported JSONL files goes (default: the ledger logger). */
  warn?: (message: string, counts: { torn: number; duplicates: number; imported: number; files: number }) => void;
}

/** What activities use of a ledger: lookups of their own keys and appends. */
export interface LedgerView {
  get(key: SampleKey): SampleRecord | undefined;
  has(key: SampleKey): boolean;
  recordsOf(base: Omit<SampleKey, 'sampleIndex'>, below: number): SampleRecord[];
  missing(base: Omit<SampleKey, 'sampleIndex'>, count: number): number[];
  records(filter?: RecordFilter): SampleRecord[];
  append(records: readonly NewSampleRecord[]): Promise<{ appended: number; skipped: number }>;
}

/** The database file of a ledger location (a directory, or a legacy single `.jsonl` file). */
export function ledgerDatabasePath(location: string): string {
  const abs = path.resolve(location);
  return abs.endsWith('.jsonl') ? `${abs}.sqlite` : path.join(abs, 'ledger.sqlite');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS samples (
  id INTEGER PRIMARY KEY,
  problem_id TEXT NOT NULL,
  model TEXT NOT NULL,
  params_hash TEXT NOT NULL,
  purpose TEXT NOT NULL,
  sample_index INTEGER NOT NULL,
  correct INTEGER NOT NULL,
  verifier_version TEXT,
  writer TEXT,
  record TEXT NOT NULL,
  UNIQUE (problem_id, model, params_hash, purpose, sample_index)
);
CREATE TABLE IF NOT EXISTS imported_files (
  file TEXT PRIMARY KEY,
  offset INTEGER NOT NULL
);
`;

/** Records imported from a JSONL file per transaction. */
const MAX_BATCH = 2000;

interface Pending {
  /** Each record with its key's base (baseString), computed once. */
  records: { record: SampleRecord; base: string }[];
  writer: string;
  resolve: (r: { appended: number; skipped: number }) => void;
  reject: (err: unknown) => void;
}

/**
 * The sample ledger: one SQLite database per campaign (WAL mode), keyed UNIQUE by
 * (problemId, model, samplingParamsHash, purpose, sampleIndex). A shard looks up only its own problems'
 * keys (indexed point and prefix queries), so its cost does not grow with the campaign; appends of all
 * lanes of a process are group-committed in one transaction per event-loop turn, `INSERT OR IGNORE`,
 * so a key is written once whoever races for it.
 *
 * Several processes of one machine may open the same ledger (SQLite locks the file). SQLite over a network
 * filesystem is not safe: workers on several machines each keep a ledger on local disk (see README).
 *
 * Ledgers of earlier versions (JSONL shard files `<dir>/*.jsonl`, or one `.jsonl` file) are imported on open,
 * streamed line by line and resumable (the byte offset imported so far is kept per file); a torn last line
 * and duplicate keys are counted and reported in one log line, never dropped silently.
 */
export class SampleLedger {
  /** Appended, not committed yet (readable meanwhile): by the key without its index (baseString), then by index. */
  private readonly pendingByBase = new Map<string, Map<number, SampleRecord>>();
  private readonly writerThread: LedgerWriter;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private readonly stmt: {
    get: Database.Statement<[string, string, string, string, number], { record: string }>;
    prefix: Database.Statement<[string, string, string, string, number], { sample_index: number; record: string }>;
    insert: Database.Statement<[string, string, string, string, number, number, string | null, string | null, string]>;
    count: Database.Statement<[], { n: number }>;
  };

  private constructor(
    readonly location: string,
    private readonly db: Database.Database,
    readonly writer: string,
    readonly stats: LedgerOpenStats,
  ) {
    this.writerThread = new LedgerWriter(db.name);
    this.stmt = {
      get: db.prepare('SELECT record FROM samples WHERE problem_id = ? AND model = ? AND params_hash = ? AND purpose = ? AND sample_index = ?'),
      prefix: db.prepare(
        'SELECT sample_index, record FROM samples WHERE problem_id = ? AND model = ? AND params_hash = ? AND purpose = ? AND sample_index < ? ORDER BY sample_index',
      ),
      insert: db.prepare(
        'INSERT OR IGNORE INTO samples (problem_id, model, params_hash, purpose, sample_index, correct, verifier_version, writer, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      count: db.prepare('SELECT COUNT(*) AS n FROM samples'),
    };
  }

  /**
   * Opens (or creates) a ledger. `location` is a directory (the database is `<dir>/ledger.sqlite`, legacy
   * shard files `<dir>/*.jsonl` are imported) or a legacy `.jsonl` file (database beside it).
   */
  static async open(location: string, options: LedgerOpenOptions = {}): Promise<SampleLedger> {
    const abs = path.resolve(location);
    const single = abs.endsWith('.jsonl');
    const shard = options.shard ?? 'main';
    if (!/^[A-Za-z0-9._-]+$/.test(shard)) throw new Error(`ledger shard name "${shard}": expected letters, digits, ".", "_" or "-"`);
    await mkdir(single ? path.dirname(abs) : abs, { recursive: true });
    const db = new Database(ledgerDatabasePath(abs), { timeout: 30_000 });
    try {
      db.pragma('journal_mode = WAL');
      // Durable across a crash of the process (the failure that matters here); a power loss may lose the last
      // transactions, whose samples are then drawn again under the same keys.
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
    } catch (err) {
      db.close();
      throw err;
    }
    const ledger = new SampleLedger(abs, db, shard, { files: 0, records: 0, torn: 0, duplicates: 0, warnings: [] });
    try {
      const files = single ? [abs] : (await readdir(abs)).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(abs, f));
      for (const f of files) await ledger.importJsonl(f);
    } catch (err) {
      db.close();
      throw err;
    }
    const { torn, duplicates, records, files } = ledger.stats;
    if (torn + duplicates > 0) {
      const message = `ledger ${abs}: imported ${records} records from ${files} JSONL file(s); skipped ${torn} torn and ${duplicates} duplicate line(s)`;
      if (options.warn) options.warn(message, { torn, duplicates, imported: records, files });
      else ledgerLog().warn({ ledger: abs, torn, duplicates, imported: records, files }, message);
    }
    return ledger;
  }

  /** Streams the part of a legacy JSONL file not imported yet into the database. */
  private async importJsonl(file: string): Promise<void> {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const done = this.db.prepare('SELECT offset FROM imported_files WHERE file = ?').get(file) as { offset: number } | undefined;
    const start = done?.offset ?? 0;
    if (start >= size) return;
    this.stats.files++;
    // Line numbers count from the start offset (the whole file on a first import).
    let batch: SampleRecord[] = [];
    const flush = () => {
      if (batch.length === 0) return;
      const written = this.insertMany(batch, 'import');
      this.stats.records += written;
      this.stats.duplicates += batch.length - written;
      batch = [];
    };
    const rows = iterJsonl<SampleRecord>(file, {
      start,
      decode: (value) => {
        const r = checkRecord(value);
        return typeof r === 'string' ? reject(r) : r;
      },
      // The last line: whole if it parses (with or without its newline), torn otherwise.
      onTornLastLine: (err) => {
        this.stats.torn++;
        this.stats.warnings.push(`${err.where}:${err.line}: skipped a torn last line (an interrupted write)`);
      },
    });
    try {
      for await (const r of rows) {
        batch.push(r);
        if (batch.length >= MAX_BATCH) flush();
      }
    } catch (err) {
      if (err instanceof JsonlError) throw new LedgerFormatError(err.message);
      throw err;
    }
    flush();
    // The torn tail is reported once: the next open starts after it.
    this.db.prepare('INSERT INTO imported_files (file, offset) VALUES (?, ?) ON CONFLICT(file) DO UPDATE SET offset = excluded.offset').run(file, size);
  }

  /** One INSERT OR IGNORE inside the caller's transaction: 1 when the key was new, else 0. */
  private insertOne(r: SampleRecord, writer: string): number {
    const g = r.grade;
    return this.stmt.insert.run(r.problemId, r.model, r.samplingParamsHash, r.purpose, r.sampleIndex, g.correct ? 1 : 0, g.verifierVersion ?? null, writer, JSON.stringify(r)).changes;
  }

  /** Inserts records in one transaction; returns how many were new. */
  private insertMany(records: readonly SampleRecord[], writer: string): number {
    let written = 0;
    this.db.transaction(() => {
      for (const r of records) written += this.insertOne(r, writer);
    })();
    return written;
  }

  /** Records in the ledger (one COUNT query). */
  get size(): number {
    return this.stmt.count.get()!.n;
  }

  has(key: SampleKey): boolean {
    return this.get(key) !== undefined;
  }

  get(key: SampleKey): SampleRecord | undefined {
    const p = this.pendingByBase.get(baseString(key))?.get(key.sampleIndex);
    if (p) return p;
    const row = this.stmt.get.get(key.problemId, key.model, key.samplingParamsHash, key.purpose, key.sampleIndex);
    return row ? (JSON.parse(row.record) as SampleRecord) : undefined;
  }

  /** Records of one problem/model/params/purpose with sample index < `below`, by index (one indexed query). */
  recordsOf(base: Omit<SampleKey, 'sampleIndex'>, below: number): SampleRecord[] {
    const rows = this.stmt.prefix.all(base.problemId, base.model, base.samplingParamsHash, base.purpose, below);
    const byIndex = new Map<number, SampleRecord>(rows.map((r) => [r.sample_index, JSON.parse(r.record) as SampleRecord]));
    for (const [i, r] of this.pendingByBase.get(baseString(base)) ?? []) if (i < below) byIndex.set(i, r);
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  }

  /** The sample indices in [0, count) that the ledger does not hold yet for this problem/model/params/purpose. */
  missing(base: Omit<SampleKey, 'sampleIndex'>, count: number): number[] {
    const have = new Set(this.recordsOf(base, count).map((r) => r.sampleIndex));
    const out: number[] = [];
    for (let i = 0; i < count; i++) if (!have.has(i)) out.push(i);
    return out;
  }

  /**
   * Appends records. Appends made in the same event-loop turn (the lanes of all shards of this process) are
   * written in one transaction (group commit); the promise settles once that transaction committed. Keys the
   * ledger already holds are not written again (the first grade stays; use regrade to change grades).
   */
  append(records: readonly NewSampleRecord[], writer: string = this.writer): Promise<{ appended: number; skipped: number }> {
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
      this.queue.push({
        records: fresh,
        writer,
        resolve: (res) => resolve({ appended: res.appended, skipped: res.skipped + skipped }),
        reject,
      });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything appended so far in one transaction, on the writer thread. */
  private flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    const rows: LedgerRow[] = [];
    for (const p of queue)
      for (const { record: r } of p.records) rows.push([r.problemId, r.model, r.samplingParamsHash, r.purpose, r.sampleIndex, r.grade.correct ? 1 : 0, r.grade.verifierVersion ?? null, p.writer, r]);
    const settle = () => {
      for (const p of queue)
        for (const { record, base } of p.records) {
          const m = this.pendingByBase.get(base);
          if (m?.get(record.sampleIndex) !== record) continue;
          m.delete(record.sampleIndex);
          if (m.size === 0) this.pendingByBase.delete(base);
        }
    };
    this.writerThread.write(rows).then(
      (changes) => {
        settle();
        let at = 0;
        for (const p of queue) {
          const res = { appended: 0, skipped: 0 };
          for (let i = 0; i < p.records.length; i++) if (changes[at++]! > 0) res.appended++;
          else res.skipped++;
          p.resolve(res);
        }
      },
      (err: unknown) => {
        settle();
        for (const p of queue) p.reject(err);
      },
    );
  }

  /** Records in insertion order, optionally filtered by key fields (indexed when `problemId` is given). */
  records(filter: RecordFilter = {}): SampleRecord[] {
    return [...this.iterate(filter)];
  }

  /** Streams records in insertion order: one row at a time, never the whole ledger in memory. */
  *iterate(filter: RecordFilter = {}): Generator<SampleRecord> {
    const { where, writerPrefix, ...eq } = filter;
    const columns: Record<keyof SampleKey, string> = {
      problemId: 'problem_id',
      model: 'model',
      samplingParamsHash: 'params_hash',
      purpose: 'purpose',
      sampleIndex: 'sample_index',
    };
    const conds: string[] = [];
    const params: (string | number)[] = [];
    for (const [f, v] of Object.entries(eq) as [keyof SampleKey, string | number | undefined][]) {
      if (v === undefined) continue;
      conds.push(`${columns[f]} = ?`);
      params.push(v);
    }
    if (writerPrefix !== undefined) {
      conds.push('substr(writer, 1, ?) = ?');
      params.push(writerPrefix.length, writerPrefix);
    }
    const sql = `SELECT record FROM samples${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} ORDER BY id`;
    for (const row of this.db.prepare(sql).iterate(...params) as IterableIterator<{ record: string }>) {
      const r = JSON.parse(row.record) as SampleRecord;
      if (!where || where(r)) yield r;
    }
  }

  /**
   * Recomputes grades without sampling: every record not yet graded by `newVersion` gets
   * `gradeFn(record)` (return undefined to leave a record as it is), in pages of committed transactions;
   * the replaced grade's version is kept in `regradedFrom`.
   */
  async regrade(
    gradeFn: (r: SampleRecord) => SampleGrade | undefined | Promise<SampleGrade | undefined>,
    newVersion: string,
  ): Promise<RegradeResult> {
    const result: RegradeResult = { regraded: 0, changed: 0, unchanged: 0 };
    result.unchanged += (this.db.prepare('SELECT COUNT(*) AS n FROM samples WHERE verifier_version IS ?').get(newVersion) as { n: number }).n;
    const page = this.db.prepare('SELECT id, record FROM samples WHERE id > ? AND verifier_version IS NOT ? ORDER BY id LIMIT 500');
    const update = this.db.prepare('UPDATE samples SET record = ?, correct = ?, verifier_version = ? WHERE id = ?');
    for (let after = 0; ; ) {
      const rows = page.all(after, newVersion) as { id: number; record: string }[];
      if (rows.length === 0) break;
      const updates: [string, number, string, number][] = [];
      for (const row of rows) {
        after = row.id;
        const r = JSON.parse(row.record) as SampleRecord;
        const g = await gradeFn(r);
        if (!g) {
          result.unchanged++;
          continue;
        }
        const updated: SampleRecord = { ...r, grade: { ...g, verifierVersion: newVersion }, regradedFrom: r.grade.verifierVersion };
        if (updated.grade.correct !== r.grade.correct) result.changed++;
        result.regraded++;
        updates.push([JSON.stringify(updated), updated.grade.correct ? 1 : 0, newVersion, row.id]);
      }
      this.db.transaction(() => updates.forEach((u) => update.run(...u)))();
    }
    return result;
  }

  /** This ledger as seen by one writer (a shard of an activity): what it appends carries `writer` as its label. */
  view(writer: string): LedgerView {
    return {
      get: (k) => this.get(k),
      has: (k) => this.has(k),
      recordsOf: (b, below) => this.recordsOf(b, below),
      missing: (b, count) => this.missing(b, count),
      records: (f) => this.records(f),
      append: (r) => this.append(r, writer),
    };
  }

  /** Every key held, e.g. to hand a resume set to another process. */
  keys(): SampleKey[] {
    return [...this.iterate()].map(keyOf);
  }

  /** Waits for appends in flight and closes the database. */
  async close(): Promise<void> {
    if (this.flushScheduled) this.flush();
    await this.writerThread.close();
    this.db.close();
  }
}

/** The key without its sample index, as a map key. */
function baseString(k: Omit<SampleKey, 'sampleIndex'>): string {
  return JSON.stringify([k.problemId, k.model, k.samplingParamsHash, k.purpose]);
}

let logger: Logger | undefined;
function ledgerLog(): Logger {
  logger ??= createLogger({ component: 'ledger' });
  return logger;
}

/** A parsed ledger line as a record, or what is wrong with it. */
function checkRecord(v: unknown): SampleRecord | string {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'expected a JSON object';
  const problem = keyProblem(v as Record<string, unknown>);
  if (problem) return problem;
  const g = (v as { grade?: unknown }).grade;
  if (!g || typeof g !== 'object' || typeof (g as { correct?: unknown }).correct !== 'boolean')
    return 'field "grade": expected {correct, reason, verifierVersion}';
  return v as SampleRecord;
}

/** Whether a ledger exists at a location (a database, a legacy `.jsonl` file, or a directory with either). */
export async function ledgerExists(location: string): Promise<boolean> {
  try {
    const s = await stat(location);
    if (s.isFile()) return true;
    return (await readdir(location)).some((f) => f.endsWith('.jsonl') || f === 'ledger.sqlite');
  } catch {
    return false;
  }
}
