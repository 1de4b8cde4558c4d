import { Worker } from 'node:worker_threads';

/**
 * The ledger's inserts, run on a thread of their own: at hundreds of sampled completions a second an insert
 * (about 20-25 us a row in SQLite, measured) on the worker's event loop delays every lane's next request. The
 * event loop serialises the batch (one JSON string) and hands it over; the thread writes one transaction per batch
 * on its own connection to the same database (WAL: readers on the main connection are not blocked) and
 * answers how many rows each insert changed. A batch settles only once committed, so `append` keeps its
 * contract: resolved = recorded.
 *
 * The thread starts on the first write and stops after IDLE_MS without writes, so a process that touched
 * many ledgers (a test run, a long-lived worker) holds no idle threads.
 */

/** One row of the samples table, in the INSERT's column order; the record is stored as its JSON. */
export type LedgerRow = [problemId: string, model: string, paramsHash: string, purpose: string, sampleIndex: number, correct: 0 | 1, verifierVersion: string | null, writer: string, record: object];

const IDLE_MS = 5_000;

// Plain JavaScript, evaluated by the thread (no TypeScript loader there). better-sqlite3 is required by the
// path the main thread resolved, so the thread finds it whatever the working directory.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.file, { timeout: 30000 });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const insert = db.prepare('INSERT OR IGNORE INTO samples (problem_id, model, params_hash, purpose, sample_index, correct, verifier_version, writer, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
const writeAll = db.transaction((rows) => rows.map((r) => insert.run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], JSON.stringify(r[8])).changes));
parentPort.on('message', (m) => {
  if (m.close) {
    db.close();
    parentPort.postMessage({ closed: true });
    return;
  }
  try {
    parentPort.postMessage({ id: m.id, changes: writeAll(JSON.parse(m.rows)) });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

interface Waiting {
  resolve: (changes: number[]) => void;
  reject: (err: Error) => void;
}

export class LedgerWriter {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly inFlight = new Set<Promise<number[]>>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string) {}

  /** Inserts rows in one transaction (INSERT OR IGNORE); resolves with the rows changed per row (1 = new key) once committed. */
  write(rows: LedgerRow[]): Promise<number[]> {
    const worker = this.thread();
    const id = this.nextId++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // Referenced while a write is in flight: a short-lived command must not exit before its rows commit.
    worker.ref();
    const p = new Promise<number[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // One JSON string: a single copy, where a structured clone of many small values costs more than the JSON.
      worker.postMessage({ id, rows: JSON.stringify(rows) });
    });
    this.inFlight.add(p);
    p.then(
      () => this.inFlight.delete(p),
      () => this.inFlight.delete(p),
    );
    return p;
  }

  /** Waits for writes in flight, then stops the thread. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    await this.stop();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { file: this.file, betterSqlite3: require.resolve('better-sqlite3') } });
    worker.unref();
    worker.on('message', (m: { id?: number; changes?: number[]; error?: string }) => {
      if (m.id === undefined) return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.idle(worker);
      if (!w) return;
      if (m.error !== undefined) w.reject(new Error(`ledger write failed: ${m.error}`));
      else w.resolve(m.changes!);
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      const pending = [...this.waiting.values()];
      this.waiting.clear();
      for (const w of pending) w.reject(err);
    };
    worker.on('error', (err) => fail(new Error(`ledger writer thread failed: ${err.message}`)));
    worker.on('exit', (code) => fail(new Error(`ledger writer thread exited (code ${code}) with writes in flight`)));
    this.worker = worker;
    return worker;
  }

  /** No write in flight: the thread no longer holds the process, and stops if nothing comes for IDLE_MS. */
  private idle(worker: Worker): void {
    worker.unref();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.waiting.size === 0 && this.worker === worker) void this.stop();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    // Closed by the thread itself (its connection checkpoints and releases the database), then ended.
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.on('message', (m: { closed?: boolean }) => m.closed && void worker.terminate());
      worker.postMessage({ close: true });
    });
  }
}
