import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { iterJsonl, JsonlError, reject } from '../jsonl';
import { createLogger, type Logger } from '../log';
import { UserError } from '../errors';
import { filesystemClassOf } from '../storage/filesystemType';
import { GroupCommit, withPending } from './groupCommit';
import { keyOf, keyProblem, type SampleKey } from './key';
import { missingIndices, viewOf, type AppendResult, type Ledger, type LedgerUsageRow, type LedgerView, type RecordFilter, type RegradeResult } from './ledger';
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

export interface LedgerOpenOptions {
  /** A label stored with every record this handle writes (e.g. `estimate-r3-s12`), for diagnostics. */
  shard?: string;
  /** Where the one line about torn and duplicate lines of imported JSONL files goes (default: the ledger logger). */
  warn?: (message: string, counts: { torn: number; duplicates: number; imported: number; files: number }) => void;
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

/**
 * The sample ledger: one SQLite database per campaign (WAL mode), keyed UNIQUE by
 * (problemId, model, samplingParamsHash, purpose, sampleIndex). A shard looks up only its own problems'
 * keys (indexed point and prefix queries), so its cost does not grow with the campaign; appends of all
 * lanes of a process are group-committed in one transaction per event-loop turn, `INSERT OR IGNORE`,
 * so a key is written once whoever races for it.
 *
 * Several processes of one machine may open the same ledger (SQLite locks the file). SQLite over a network or FUSE
 * filesystem corrupts under concurrent writers, so `open` refuses one; workers on several machines share a
 * PostgreSQL ledger instead (lib/ledger/postgresLedger.ts).
 *
 * Ledgers of earlier versions (JSONL shard files `<dir>/*.jsonl`, or one `.jsonl` file) are imported on open,
 * streamed line by line and resumable (the byte offset imported so far is kept per file); a torn last line
 * and duplicate keys are counted and reported in one log line, never dropped silently.
 */
export class SampleLedger implements Ledger {
  private readonly writerThread: LedgerWriter;
  /** Appends group-committed on the writer thread; readable before they commit. */
  private readonly commits: GroupCommit;
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
    this.commits = new GroupCommit(async (rows) => {
      const changes = await this.writerThread.write(
        rows.map(({ record: r, writer }): LedgerRow => [r.problemId, r.model, r.samplingParamsHash, r.purpose, r.sampleIndex, r.grade.correct ? 1 : 0, r.grade.verifierVersion ?? null, writer, r]),
      );
      return changes.map((c) => c > 0);
    });
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
    const dir = single ? path.dirname(abs) : abs;
    await mkdir(dir, { recursive: true });
    await assertLocalFilesystem(dir);
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

  async count(): Promise<number> {
    return this.stmt.count.get()!.n;
  }

  async has(key: SampleKey): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async get(key: SampleKey): Promise<SampleRecord | undefined> {
    const p = this.commits.pending(key);
    if (p) return p;
    const row = this.stmt.get.get(key.problemId, key.model, key.samplingParamsHash, key.purpose, key.sampleIndex);
    return row ? (JSON.parse(row.record) as SampleRecord) : undefined;
  }

  async recordsOf(base: Omit<SampleKey, 'sampleIndex'>, below: number): Promise<SampleRecord[]> {
    const rows = this.stmt.prefix.all(base.problemId, base.model, base.samplingParamsHash, base.purpose, below);
    return withPending(
      rows.map((r) => JSON.parse(r.record) as SampleRecord),
      this.commits.pendingOf(base),
      below,
    );
  }

  async missing(base: Omit<SampleKey, 'sampleIndex'>, count: number): Promise<number[]> {
    return missingIndices(await this.recordsOf(base, count), count);
  }

  /**
   * Appends records. Appends made in the same event-loop turn (the lanes of all shards of this process) are
   * written in one transaction on the writer thread (group commit); the promise settles once that transaction
   * committed. Keys the ledger already holds are not written again (the first grade stays; use regrade to change grades).
   */
  append(records: readonly NewSampleRecord[], writer: string = this.writer): Promise<AppendResult> {
    return this.commits.append(records, writer);
  }

  /**
   * Streams records in insertion order, a page of rows at a time by id (no statement stays open between pages,
   * so the consumer may use the ledger while it iterates), never the whole ledger in memory.
   */
  async *records(filter: RecordFilter = {}): AsyncGenerator<SampleRecord> {
    const { where, writerPrefix, ...eq } = filter;
    const columns: Record<keyof SampleKey, string> = {
      problemId: 'problem_id',
      model: 'model',
      samplingParamsHash: 'params_hash',
      purpose: 'purpose',
      sampleIndex: 'sample_index',
    };
    const conds: string[] = ['id > ?'];
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
    const page = this.db.prepare(`SELECT id, record FROM samples WHERE ${conds.join(' AND ')} ORDER BY id LIMIT ${PAGE}`);
    for (let after = 0; ; ) {
      const rows = page.all(after, ...params) as { id: number; record: string }[];
      for (const row of rows) {
        const r = JSON.parse(row.record) as SampleRecord;
        if (!where || where(r)) yield r;
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  async usage(): Promise<LedgerUsageRow[]> {
    return usageOf(this.db);
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

  view(writer: string): LedgerView {
    return viewOf(this, writer);
  }

  /** Every key held, e.g. to hand a resume set to another process. */
  async keys(): Promise<SampleKey[]> {
    const out: SampleKey[] = [];
    for await (const r of this.records()) out.push(keyOf(r));
    return out;
  }

  /** Waits for appends in flight and closes the database. */
  async close(): Promise<void> {
    await this.commits.drain();
    await this.writerThread.close();
    this.db.close();
  }
}

const USAGE = `SELECT writer, purpose, model, COUNT(*) AS samples,
         COALESCE(SUM(json_extract(record, '$.usage.promptTokens')), 0) AS promptTokens,
         COALESCE(SUM(json_extract(record, '$.usage.completionTokens')), 0) AS completionTokens
    FROM samples GROUP BY writer, purpose, model`;

function usageOf(db: Database.Database): LedgerUsageRow[] {
  return db.prepare(USAGE).all() as LedgerUsageRow[];
}

/** `usage()` of a ledger database opened read-only (a report beside a running worker creates and imports nothing). */
export function sqliteLedgerUsage(file: string): LedgerUsageRow[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return usageOf(db);
  } finally {
    db.close();
  }
}

/** Rows per page of a streamed read. */
const PAGE = 1000;

/**
 * Refuses a SQLite ledger on a network or FUSE filesystem: its locks and WAL shared memory do not hold there,
 * and concurrent writers corrupt the database.
 */
async function assertLocalFilesystem(dir: string): Promise<void> {
  const fs = await filesystemClassOf(dir);
  if (fs.kind === 'local') return;
  throw new UserError(
    `ledger ${ledgerDatabasePath(dir)}: ${dir} is on a ${fs.name} (${fs.kind}) filesystem, where SQLite corrupts under concurrent writers; ` +
      'put the ledger in PostgreSQL (storage.ledger: postgres://user@host:port/db in the campaign config, or STRAWBERRY_LEDGER on the workers; scripts/postgres-up.sh starts a local one), ' +
      'or on a local disk (storage.ledger: sqlite:///local/dir, or STRAWBERRY_RUNS_DIR on a local disk)',
  );
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
