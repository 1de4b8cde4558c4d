import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isTempFileName, writeFileAtomic } from '../atomicFile';
import { UserError } from '../errors';
import { appendJsonl, iterJsonl, type JsonlReadOptions, writeJsonlAtomic } from '../jsonl';
import { normalizeRelPath } from './relPath';
import type { Located, Ref, Rows, RunStore, StoredFile, StoredSource, WriteData } from './types';

/** Default root of the run store, relative to the working directory. */
export const DEFAULT_RUNS_ROOT = 'runs';

/**
 * The run store as a local directory (default `runs/`), laid out `runs/<campaign>/round-<n>/...`.
 * URIs are `file://` URLs of absolute paths, so a reference stays meaningful to any process on the machine.
 */
export class DirectoryRunStore implements RunStore {
  readonly root: string;

  constructor(root: string = DEFAULT_RUNS_ROOT) {
    this.root = path.resolve(root);
  }

  /** Absolute path of a store-relative path; rejects absolute paths and anything escaping the root. */
  resolve(relPath: string): string {
    const normalized = normalizeRelPath(relPath);
    return path.join(this.root, ...normalized.split('/'));
  }

  uriFor(relPath: string): string {
    return pathToFileURL(this.resolve(relPath)).href;
  }

  relPathOf(ref: Located | string): string {
    const uri = typeof ref === 'string' ? ref : ref.uri;
    let abs: string;
    try {
      abs = fileURLToPath(uri);
    } catch {
      throw new UserError(`run store: ${uri} is not a file:// URI of the directory store ${this.root}`);
    }
    const rel = path.relative(this.root, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new UserError(`run store: ${uri} is outside the run store root ${this.root}`);
    }
    return rel.split(path.sep).join('/');
  }

  /** The absolute path of a referenced file (this store is a local directory). */
  pathOf(ref: Located | string): string {
    return this.resolve(this.relPathOf(ref));
  }

  iterJsonl<T = unknown>(ref: Located, options?: JsonlReadOptions<T>): AsyncGenerator<T> {
    return iterJsonl<T>(this.pathOf(ref), options);
  }

  async readJsonl<T = unknown>(ref: Located, options?: JsonlReadOptions<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const row of this.iterJsonl<T>(ref, options)) out.push(row);
    return out;
  }

  async writeFileAtomic(relPath: string, data: WriteData): Promise<StoredFile> {
    const { sha256, bytes } = await writeFileAtomic(this.resolve(relPath), data);
    return { uri: this.uriFor(relPath), sha256, bytes };
  }

  async writeJsonAtomic(relPath: string, value: unknown): Promise<StoredFile> {
    return this.writeFileAtomic(relPath, JSON.stringify(value, null, 2) + '\n');
  }

  async writeJsonl(relPath: string, rows: Rows): Promise<Required<Ref>> {
    const { sha256, bytes, count } = await writeJsonlAtomic(this.resolve(relPath), rows, relPath);
    return { uri: this.uriFor(relPath), sha256, count, bytes };
  }

  async read(relPath: string): Promise<Buffer> {
    try {
      return await readFile(this.resolve(relPath));
    } catch (err) {
      throw storeReadError(relPath, err);
    }
  }

  async readJson<T = unknown>(relPath: string): Promise<T> {
    const text = (await this.read(relPath)).toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new UserError(`${this.resolve(relPath)}: not valid JSON (${(err as Error).message})`);
    }
  }

  async exists(relPath: string): Promise<boolean> {
    try {
      return (await stat(this.resolve(relPath))).isFile();
    } catch {
      return false;
    }
  }

  async list(prefix = ''): Promise<string[]> {
    // Start at the deepest directory the prefix names, then filter by the full prefix.
    const normalizedPrefix = prefix === '' ? '' : normalizeRelPath(prefix, { allowTrailingSlash: true });
    const dirPart = normalizedPrefix.includes('/') ? normalizedPrefix.slice(0, normalizedPrefix.lastIndexOf('/')) : '';
    const start = dirPart ? this.resolve(dirPart) : this.root;
    const found: string[] = [];
    await walk(start, dirPart, found);
    return found.filter((p) => p.startsWith(normalizedPrefix)).sort();
  }

  async appendLine(relPath: string, line: string | object): Promise<void> {
    // One write call with O_APPEND: concurrent appenders never interleave within a line.
    await appendJsonl(this.resolve(relPath), line);
  }

  async *iterLog<T = unknown>(relPath: string, options: Omit<JsonlReadOptions<T>, 'start'> = {}): AsyncGenerator<T> {
    if (!(await this.exists(relPath))) return;
    // A crash mid-append leaves at most a torn last line: skipped unless the caller wants to hear of it.
    yield* iterJsonl<T>(this.resolve(relPath), { onTornLastLine: () => {}, ...options });
  }

  async source(ref: Ref | StoredFile): Promise<StoredSource> {
    const file = this.pathOf(ref);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (err) {
      throw storeReadError(this.relPathOf(ref), err);
    }
    return { uri: ref.uri, bytes: size, sha256: ref.sha256, localPath: file, open: () => createReadStream(file) };
  }

  async verify(ref: Ref | StoredFile): Promise<void> {
    const file = this.pathOf(ref);
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      for await (const chunk of createReadStream(file)) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
    } catch (err) {
      throw storeReadError(this.relPathOf(ref), err);
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== ref.sha256) {
      throw new UserError(`run store: ${file} changed since it was referenced (sha256 ${sha256}, expected ${ref.sha256})`);
    }
    if (ref.bytes !== undefined && bytes !== ref.bytes) {
      throw new UserError(`run store: ${file} has ${bytes} bytes, the reference says ${ref.bytes}`);
    }
  }
}

/** `campaign/round-<n>` — the directory of one round of a campaign. */
export function roundDir(campaign: string, round: number): string {
  assertSegment(campaign, 'campaign name');
  if (!Number.isInteger(round) || round < 0) throw new UserError(`run store: round must be a non-negative integer, got ${round}`);
  return `${campaign}/round-${round}`;
}

/** A campaign name or other single path segment: no separators, no dot-segments, nothing hidden. */
export function assertSegment(segment: string, what: string): void {
  if (!segment || segment === '.' || segment === '..' || /[\\/\0]/.test(segment) || segment.startsWith('.')) {
    throw new UserError(`run store: ${what} ${JSON.stringify(segment)} cannot be used as a directory name`);
  }
}

async function walk(dirAbs: string, dirRel: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dirAbs, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw err;
  }
  for (const entry of entries) {
    const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await walk(path.join(dirAbs, entry.name), rel, out);
    else if (entry.isFile() && !isTempFileName(entry.name)) out.push(rel);
  }
}

function storeReadError(relPath: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(`run store: ${relPath} does not exist`);
  return new UserError(`run store: cannot read ${relPath} (${code ?? String(err)})`);
}
