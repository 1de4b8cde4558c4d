import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { writeTextAtomic } from '../atomicFile';
import { keyOf, keyProblem, keyString, type SampleKey } from './key';
import type { NewSampleRecord, SampleGrade, SampleRecord } from './record';

/** A ledger line that is not a record (not at the end of a file, where it would be a torn write). */
export class LedgerFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerFormatError';
  }
}

export interface LedgerOpenStats {
  files: number;
  records: number;
  /** Torn last lines (a crash mid-write) skipped; the writable shard is truncated back to its last full line. */
  torn: number;
  /** Records whose key was already seen (the first is kept). */
  duplicates: number;
  warnings: string[];
}

export interface RecordFilter extends Partial<SampleKey> {
  where?: (r: SampleRecord) => boolean;
}

export interface RegradeResult {
  regraded: number;
  /** Records whose `correct` flipped. */
  changed: number;
  /** Records already graded by `newVersion` (or that the grade function left alone). */
  unchanged: number;
}

/**
 * The sample ledger: append-only JSONL keyed by (problemId, model, samplingParamsHash, purpose, sampleIndex).
 *
 * A ledger is either one `.jsonl` file, or a directory of shard files `<dir>/<shard>.jsonl`. Opening reads
 * every shard; appends go to this process's shard only, so parallel activities never interleave lines in
 * one file (one writer per shard file). Each `append` is one write of whole lines followed by fsync.
 *
 * Regrading rewrites each shard file with the new grades (tmp file + rename, atomic per file) and keeps
 * the old verifier version in `regradedFrom`; run it when no other process is appending to the ledger.
 */
export class SampleLedger {
  private readonly byKey = new Map<string, SampleRecord>();
  /** File of each record, so regrade rewrites each shard with its own records. */
  private readonly fileOf = new Map<string, string>();
  private appending: Promise<unknown> = Promise.resolve();
  private constructor(
    readonly location: string,
    /** The file this process appends to. */
    readonly writeFile: string,
    readonly stats: LedgerOpenStats,
  ) {}

  /**
   * Opens (or starts) a ledger. `location` ending in `.jsonl` is a single-file ledger; anything else is a
   * directory of shards, written through `<location>/<shard>.jsonl` (default shard `main`).
   */
  static async open(location: string, options: { shard?: string } = {}): Promise<SampleLedger> {
    const abs = path.resolve(location);
    const single = abs.endsWith('.jsonl');
    const shard = options.shard ?? 'main';
    if (!/^[A-Za-z0-9._-]+$/.test(shard)) throw new Error(`ledger shard name "${shard}": expected letters, digits, ".", "_" or "-"`);
    const dir = single ? path.dirname(abs) : abs;
    await mkdir(dir, { recursive: true });
    const writeFile = single ? abs : path.join(abs, `${shard}.jsonl`);
    const files = single ? [abs] : (await readdir(abs)).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(abs, f));
    const ledger = new SampleLedger(abs, writeFile, { files: 0, records: 0, torn: 0, duplicates: 0, warnings: [] });
    for (const f of files) await ledger.readShard(f, f === writeFile);
    return ledger;
  }

  private async readShard(file: string, writable: boolean): Promise<void> {
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    this.stats.files++;
    // Bytes up to the last newline are whole lines; a torn write may end mid-character, so cut on bytes.
    const cut = raw.lastIndexOf(0x0a) + 1;
    const lines = raw.subarray(0, cut).toString('utf8').split('\n');
    lines.pop();
    const tail = raw.subarray(cut).toString('utf8');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const r = parseRecord(line);
      if (typeof r === 'string') throw new LedgerFormatError(`${file}:${i + 1}: ${r}`);
      this.add(r, file);
    });
    if (tail.trim() === '') return;
    const last = parseRecord(tail);
    if (typeof last !== 'string') {
      this.add(last, file);
      // Complete but unterminated: finish the line so the next append starts on its own line.
      if (writable) await appendRaw(file, '\n');
      return;
    }
    this.stats.torn++;
    this.stats.warnings.push(`${file}:${lines.length + 1}: skipped a torn last line (${raw.length - cut} bytes; an interrupted write)`);
    if (writable) await truncate(file, cut);
  }

  private add(r: SampleRecord, file: string): void {
    const k = keyString(r);
    if (this.byKey.has(k)) {
      this.stats.duplicates++;
      return;
    }
    this.byKey.set(k, r);
    this.fileOf.set(k, file);
    this.stats.records++;
  }

  get size(): number {
    return this.byKey.size;
  }

  has(key: SampleKey): boolean {
    return this.byKey.has(keyString(key));
  }

  get(key: SampleKey): SampleRecord | undefined {
    return this.byKey.get(keyString(key));
  }

  /** The sample indices in [0, count) that the ledger does not hold yet for this problem/model/params/purpose. */
  missing(base: Omit<SampleKey, 'sampleIndex'>, count: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < count; i++) if (!this.has({ ...base, sampleIndex: i })) out.push(i);
    return out;
  }

  /**
   * Appends records in one write + fsync. Records whose key the ledger already holds are not written again
   * (the first grade stays; use regrade to change grades). Returns how many were written.
   */
  append(records: readonly NewSampleRecord[]): Promise<{ appended: number; skipped: number }> {
    // One append at a time: parallel lanes of one activity share this ledger, and a key checked while an
    // earlier append of it is still being written would be written twice.
    const turn = this.appending.then(() => this.appendNow(records));
    this.appending = turn.catch(() => undefined);
    return turn;
  }

  private async appendNow(records: readonly NewSampleRecord[]): Promise<{ appended: number; skipped: number }> {
    const now = new Date().toISOString();
    const fresh: SampleRecord[] = [];
    const batch = new Set<string>();
    for (const r of records) {
      const problem = keyProblem(r as unknown as Record<string, unknown>);
      if (problem) throw new Error(`ledger append: ${problem}`);
      const k = keyString(r);
      if (this.byKey.has(k) || batch.has(k)) continue;
      batch.add(k);
      fresh.push({ ...r, timestamp: r.timestamp ?? now });
    }
    if (fresh.length > 0) {
      await appendRaw(this.writeFile, fresh.map((r) => `${JSON.stringify(r)}\n`).join(''));
      for (const r of fresh) {
        this.byKey.set(keyString(r), r);
        this.fileOf.set(keyString(r), this.writeFile);
      }
    }
    return { appended: fresh.length, skipped: records.length - fresh.length };
  }

  /** Records in ledger order (shards by name, then file order), optionally filtered by key fields. */
  records(filter: RecordFilter = {}): SampleRecord[] {
    const { where, ...eq } = filter;
    const fields = Object.entries(eq).filter(([, v]) => v !== undefined) as [keyof SampleKey, unknown][];
    const out: SampleRecord[] = [];
    for (const r of this.byKey.values()) {
      if (fields.every(([f, v]) => r[f] === v) && (!where || where(r))) out.push(r);
    }
    return out;
  }

  /**
   * Recomputes grades without sampling: every record not yet graded by `newVersion` gets
   * `gradeFn(record)` (return undefined to leave a record as it is). Each shard file is rewritten
   * atomically (tmp + rename); the replaced grade's version is kept in `regradedFrom`.
   */
  async regrade(
    gradeFn: (r: SampleRecord) => SampleGrade | undefined | Promise<SampleGrade | undefined>,
    newVersion: string,
  ): Promise<RegradeResult> {
    const result: RegradeResult = { regraded: 0, changed: 0, unchanged: 0 };
    const touched = new Set<string>();
    for (const [k, r] of this.byKey) {
      if (r.grade.verifierVersion === newVersion) {
        result.unchanged++;
        continue;
      }
      const g = await gradeFn(r);
      if (!g) {
        result.unchanged++;
        continue;
      }
      const updated: SampleRecord = { ...r, grade: { ...g, verifierVersion: newVersion }, regradedFrom: r.grade.verifierVersion };
      if (updated.grade.correct !== r.grade.correct) result.changed++;
      result.regraded++;
      this.byKey.set(k, updated);
      touched.add(this.fileOf.get(k)!);
    }
    for (const file of touched) {
      const lines: string[] = [];
      for (const [k, r] of this.byKey) if (this.fileOf.get(k) === file) lines.push(`${JSON.stringify(r)}\n`);
      await writeTextAtomic(file, lines.join(''));
    }
    return result;
  }

  /** Every key held, e.g. to hand a resume set to another process. */
  keys(): SampleKey[] {
    return [...this.byKey.values()].map(keyOf);
  }
}

function parseRecord(line: string): SampleRecord | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return `invalid JSON (${(err as Error).message})`;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'expected a JSON object';
  const problem = keyProblem(v as Record<string, unknown>);
  if (problem) return problem;
  const g = (v as { grade?: unknown }).grade;
  if (!g || typeof g !== 'object' || typeof (g as { correct?: unknown }).correct !== 'boolean')
    return 'field "grade": expected {correct, reason, verifierVersion}';
  return v as SampleRecord;
}

async function appendRaw(file: string, text: string): Promise<void> {
  const fh = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644);
  try {
    await fh.write(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}


/** Whether a ledger exists at a location (a file, or a directory with at least one shard). */
export async function ledgerExists(location: string): Promise<boolean> {
  try {
    const s = await stat(location);
    if (s.isFile()) return true;
    return (await readdir(location)).some((f) => f.endsWith('.jsonl'));
  } catch {
    return false;
  }
}
