import type { AtomicData } from '../atomicFile';
import type { JsonlReadOptions, JsonlRows } from '../jsonl';

/**
 * A reference to a stored file: what activities pass through Temporal instead of the data itself.
 * `count` is the number of rows (JSONL) or 1 for a single document; `sha256` is of the stored bytes.
 */
export interface Ref {
  uri: string;
  sha256: string;
  count: number;
  bytes?: number;
}

/** What an atomic write reports: the stored file's location, digest and size. */
export interface StoredFile {
  uri: string;
  sha256: string;
  bytes: number;
}

/** Bytes to write: whole in memory, or streamed (a Node stream or any async iterable of chunks); see lib/atomicFile.ts. */
export type WriteData = AtomicData;

/** Rows to write as JSON lines; async sources are streamed, never held whole. */
export type Rows = JsonlRows;

/**
 * The run store: bulk data (samples, traces, datasets, registry) lives here, addressed by paths relative to
 * the store's root such as `demo/round-1/dataset.jsonl`. Behind an interface so an object store can replace
 * the directory when workers run on several machines. Every write is all-or-nothing (temporary file + rename).
 */
export interface RunStore {
  /** Writes a file atomically: readers see the old content or the new one, never a part. */
  writeFileAtomic(relPath: string, data: WriteData): Promise<StoredFile>;
  /** Writes `value` as pretty JSON atomically. */
  writeJsonAtomic(relPath: string, value: unknown): Promise<StoredFile>;
  /** Writes rows as JSON lines atomically and returns a reference with the row count. */
  writeJsonl(relPath: string, rows: Rows): Promise<Required<Ref>>;
  /**
   * The rows of a referenced JSONL file, streamed line by line (never the whole file as one string); a bad
   * line is a UserError naming `file:line`.
   */
  iterJsonl<T = unknown>(ref: Ref | StoredFile, options?: JsonlReadOptions<T>): AsyncGenerator<T>;
  /** All rows of a referenced JSONL file. */
  readJsonl<T = unknown>(ref: Ref | StoredFile, options?: JsonlReadOptions<T>): Promise<T[]>;
  read(relPath: string): Promise<Buffer>;
  /** Parses a JSON file; a parse error names the file. */
  readJson<T = unknown>(relPath: string): Promise<T>;
  exists(relPath: string): Promise<boolean>;
  /** Relative paths of the stored files whose path starts with `prefix` (recursive, sorted). */
  list(prefix?: string): Promise<string[]>;
  /**
   * Appends one line (a string without newline, or a value serialised as JSON) in one write call, so a crash
   * leaves at most a torn last line, which readers of append-only logs tolerate.
   */
  appendLine(relPath: string, line: string | object): Promise<void>;
  /** The URI a reference to `relPath` carries. */
  uriFor(relPath: string): string;
  /** The store-relative path a URI (or a reference) points to; throws if it belongs to another store. */
  relPathOf(ref: Ref | StoredFile | string): string;
  /** A local filesystem path for the referenced file, for clients that need one (e.g. uploads). */
  localPath(ref: Ref | StoredFile | string): string;
  /** Recomputes the digest of a referenced file; throws if it is missing or differs from `ref.sha256`. */
  verify(ref: Ref | StoredFile): Promise<void>;
}
