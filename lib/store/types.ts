import type { Readable } from 'node:stream';
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

/** Where a stored file is: a reference, or just its URI (e.g. from a listing). */
export type Located = Pick<Ref, 'uri'>;

/**
 * A stored file opened for a client that sends it elsewhere (a provider's files API): its size and digest, and
 * a fresh stream of its bytes on each `open()`, from whichever store holds it.
 */
export interface StoredSource {
  uri: string;
  bytes: number;
  sha256: string;
  /** A new stream of the whole file (each call starts again at the first byte). */
  open(): Readable;
  /** The file's path on this machine when the store is a local directory; absent for an object store. */
  localPath?: string;
}

/** Bytes to write: whole in memory, or streamed (a Node stream or any async iterable of chunks); see lib/atomicFile.ts. */
export type WriteData = AtomicData;

/** Rows to write as JSON lines; async sources are streamed, never held whole. */
export type Rows = JsonlRows;

/**
 * The run store: bulk data (samples, traces, datasets, registry) lives here, addressed by paths relative to
 * the store's root such as `demo/round-1/dataset.jsonl`. Behind an interface so an object store can replace
 * the directory when workers run on several machines. Every write is all-or-nothing: a directory writes a
 * temporary file and renames it, an object store writes whole objects. Implementations: DirectoryRunStore
 * (`file://`), S3RunStore (`s3://`); openRunStore(url) picks one.
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
  iterJsonl<T = unknown>(ref: Located, options?: JsonlReadOptions<T>): AsyncGenerator<T>;
  /** All rows of a referenced JSONL file. */
  readJsonl<T = unknown>(ref: Located, options?: JsonlReadOptions<T>): Promise<T[]>;
  read(relPath: string): Promise<Buffer>;
  /** Parses a JSON file; a parse error names the file. */
  readJson<T = unknown>(relPath: string): Promise<T>;
  exists(relPath: string): Promise<boolean>;
  /** Relative paths of the stored files whose path starts with `prefix` (recursive, sorted; an append-only log is one entry). */
  list(prefix?: string): Promise<string[]>;
  /**
   * Appends one line (a string without newline, or a value serialised as JSON) to the append-only log
   * `relPath`, whole or not at all as far as `iterLog` can tell (a directory tolerates a torn last line; an
   * object store writes one object per line). Concurrent appenders never interleave within a line.
   */
  appendLine(relPath: string, line: string | object): Promise<void>;
  /** The lines of an append-only log, in the order they were appended (no log yet: none). */
  iterLog<T = unknown>(relPath: string, options?: Omit<JsonlReadOptions<T>, 'start'>): AsyncGenerator<T>;
  /** The URI a reference to `relPath` carries. */
  uriFor(relPath: string): string;
  /** The store-relative path a URI (or a reference) points to; throws if it belongs to another store. */
  relPathOf(ref: Ref | StoredFile | string): string;
  /** The referenced file opened for sending (a provider upload): size, digest and a stream of its bytes. */
  source(ref: Ref | StoredFile): Promise<StoredSource>;
  /** Recomputes the digest of a referenced file; throws if it is missing or differs from `ref.sha256`. */
  verify(ref: Ref | StoredFile): Promise<void>;
}
