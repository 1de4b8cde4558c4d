import { appendFile, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { writeThenRename, type AtomicWritten } from './atomicFile';
import { UserError } from './errors';

/**
 * The project's one JSONL module: files of one JSON value per line, read as a stream (never the whole file as
 * one string), appended one line per write call, written atomically. Every error about a line says
 * `file:line:` and is a UserError (the CLI prints it without a stack trace and exits 2).
 */

/** A line of a JSONL file that is not what the reader expects: `file:line: reason`. */
export class JsonlError extends UserError {
  constructor(
    /** The file as errors name it (with `(from byte N)` when reading started past the beginning). */
    readonly where: string,
    /** 1-based line number (counted from the start offset, if any). */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${where}:${line}: ${reason}`);
    // The name stays 'UserError': activities list it in nonRetryableErrorTypes, which match by name.
  }
}

/** One non-blank line: its text, its 1-based number, and whether it is the last line of the file. */
export interface JsonlLine {
  text: string;
  line: number;
  /** True for the file's final line (then it may be a torn write, if the writer crashed). */
  last: boolean;
}

const REJECT = Symbol('jsonl.reject');
/** What a `decode` function returns to reject a line: it becomes a JsonlError `file:line: reason`. */
export interface Rejected {
  readonly [REJECT]: string;
}
export function reject(reason: string): Rejected {
  return { [REJECT]: reason };
}
function isRejected(v: unknown): v is Rejected {
  return typeof v === 'object' && v !== null && REJECT in v;
}

export interface JsonlReadOptions<T> {
  /** Byte offset to start reading at (lines are numbered from there, and errors say so). */
  start?: number;
  /** How errors name the file (default: its path). */
  label?: string;
  /**
   * Checks (and may convert) each parsed value: return `reject(reason)` for a line that is not a row of this
   * file. What it throws propagates unchanged.
   */
  decode?: (value: unknown, line: JsonlLine) => T | Rejected;
  /**
   * Tolerate a torn last line (an append interrupted by a crash): a last line that does not parse or decode is
   * handed here and skipped instead of thrown. Earlier bad lines still throw (or go to `onInvalidLine`).
   */
  onTornLastLine?: (err: JsonlError) => void;
  /** Skip bad lines: each is handed here instead of thrown (it may throw itself to stop). */
  onInvalidLine?: (err: JsonlError) => void;
}

/** The file's non-blank lines, streamed, with line numbers; the `last` flag needs a one-line look-ahead. */
export async function* jsonlLines(file: string, options: { start?: number } = {}): AsyncGenerator<JsonlLine> {
  const fh = await open(file, 'r');
  yield* streamLines(fh.createReadStream({ start: options.start ?? 0 }));
}

/** The non-blank lines of a byte stream (a file, an object store's response body), numbered like `jsonlLines`. */
export async function* streamLines(input: Readable): AsyncGenerator<JsonlLine> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    let n = 0;
    let pending: { text: string; line: number } | undefined;
    let lastRaw = 0;
    for await (const text of lines) {
      n++;
      lastRaw = n;
      if (pending) yield { ...pending, last: false };
      pending = text.trim() === '' ? undefined : { text, line: n };
    }
    if (pending) yield { ...pending, last: pending.line === lastRaw };
  } finally {
    lines.close();
    input.destroy();
  }
}

/** The non-blank lines of JSONL text already in memory (e.g. an uploaded file), numbered like `jsonlLines`. */
export function* jsonlTextLines(text: string): Generator<JsonlLine> {
  const raw = text.split('\n');
  // A final newline ends the last line; it does not start another.
  if (raw.length > 1 && raw[raw.length - 1] === '') raw.pop();
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]!.trim() === '') continue;
    yield { text: raw[i]!, line: i + 1, last: i === raw.length - 1 };
  }
}

/** Parses one line: the value, or the reason it is not JSON (`not valid JSON (...)`). */
export function parseJsonLine(text: string): { value: unknown } | { reason: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { reason: `not valid JSON (${(err as Error).message})` };
  }
}

/** How errors name a file read from `start`. */
export function jsonlWhere(file: string, options: { start?: number; label?: string } = {}): string {
  const label = options.label ?? file;
  return options.start ? `${label} (from byte ${options.start})` : label;
}

/** The rows of a JSONL file, streamed line by line; blank lines are skipped. */
export function iterJsonl<T = unknown>(file: string, options: JsonlReadOptions<T> = {}): AsyncGenerator<T> {
  return decodeJsonlLines(jsonlLines(file, { start: options.start }), jsonlWhere(file, options), options);
}

/**
 * Parses and decodes lines (from `jsonlLines`, `streamLines`, ...) into rows; a bad line is a JsonlError
 * `where:line: reason`, or goes to `onTornLastLine` / `onInvalidLine`.
 */
export async function* decodeJsonlLines<T = unknown>(lines: AsyncIterable<JsonlLine>, where: string, options: JsonlReadOptions<T> = {}): AsyncGenerator<T> {
  for await (const line of lines) {
    const parsed = parseJsonLine(line.text);
    let reason: string;
    if ('value' in parsed) {
      const decoded = options.decode ? options.decode(parsed.value, line) : (parsed.value as T);
      if (!isRejected(decoded)) {
        yield decoded;
        continue;
      }
      reason = decoded[REJECT];
    } else reason = parsed.reason;
    const err = new JsonlError(where, line.line, reason);
    if (line.last && options.onTornLastLine) options.onTornLastLine(err);
    else if (options.onInvalidLine) options.onInvalidLine(err);
    else throw err;
  }
}

/** All rows of a JSONL file (streamed in, collected in an array). */
export async function readJsonl<T = unknown>(file: string, options: JsonlReadOptions<T> = {}): Promise<T[]> {
  const out: T[] = [];
  for await (const row of iterJsonl<T>(file, options)) out.push(row);
  return out;
}

/**
 * Appends one line (a string without newline, or a value serialised as JSON) in one write call with O_APPEND:
 * concurrent appenders never interleave within a line, and a crash leaves at most a torn last line.
 */
export async function appendJsonl(file: string, line: string | object): Promise<void> {
  const text = typeof line === 'string' ? line : JSON.stringify(line);
  if (text.includes('\n')) throw new Error(`jsonl: a line appended to ${file} must not contain a newline`);
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, text + '\n', { flag: 'a' });
}

/** Rows to write as JSON lines; async sources are streamed, never held whole. */
export type JsonlRows = Iterable<unknown> | AsyncIterable<unknown>;

/** Writes rows as JSON lines atomically (temporary file, fsync, rename); returns the digest, size and row count. */
export async function writeJsonlAtomic(file: string, rows: JsonlRows, label = file): Promise<AtomicWritten & { count: number }> {
  const counted = { count: 0 };
  const written = await writeThenRename(file, async (write) => {
    for await (const line of jsonlChunks(rows, label, counted)) await write(line);
  });
  return { ...written, count: counted.count };
}

/** Rows serialised as JSON lines (one chunk per row, newline included); `counted.count` says how many so far. */
export async function* jsonlChunks(rows: JsonlRows, label: string, counted: { count: number }): AsyncGenerator<string> {
  for await (const row of rows as AsyncIterable<unknown>) {
    const line = JSON.stringify(row);
    if (line === undefined) throw new Error(`jsonl: row ${counted.count + 1} of ${label} is not serialisable as JSON`);
    yield line + '\n';
    counted.count++;
  }
}
