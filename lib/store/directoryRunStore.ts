import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../errors';
import type { Ref, Rows, RunStore, StoredFile, WriteData } from './types';

/** Default root of the run store, relative to the working directory. */
export const DEFAULT_RUNS_ROOT = 'runs';

const TMP_MARK = '.tmp-';

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

  relPathOf(ref: Ref | StoredFile | string): string {
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

  localPath(ref: Ref | StoredFile | string): string {
    return this.resolve(this.relPathOf(ref));
  }

  async writeFileAtomic(relPath: string, data: WriteData): Promise<StoredFile> {
    const target = this.resolve(relPath);
    const { sha256, bytes } = await writeThenRename(target, async (write) => {
      if (typeof data === 'string' || data instanceof Uint8Array) await write(data);
      else for await (const chunk of data as AsyncIterable<string | Uint8Array>) await write(chunk);
    });
    return { uri: this.uriFor(relPath), sha256, bytes };
  }

  async writeJsonAtomic(relPath: string, value: unknown): Promise<StoredFile> {
    return this.writeFileAtomic(relPath, JSON.stringify(value, null, 2) + '\n');
  }

  async writeJsonl(relPath: string, rows: Rows): Promise<Required<Ref>> {
    const target = this.resolve(relPath);
    let count = 0;
    const { sha256, bytes } = await writeThenRename(target, async (write) => {
      for await (const row of rows as AsyncIterable<unknown>) {
        const line = JSON.stringify(row);
        if (line === undefined) throw new Error(`run store: row ${count + 1} of ${relPath} is not serialisable as JSON`);
        await write(line + '\n');
        count++;
      }
    });
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
    const text = typeof line === 'string' ? line : JSON.stringify(line);
    if (text.includes('\n')) throw new Error(`run store: a line appended to ${relPath} must not contain a newline`);
    const target = this.resolve(relPath);
    await mkdir(path.dirname(target), { recursive: true });
    // One write call with O_APPEND: concurrent appenders never interleave within a line.
    await appendFile(target, text + '\n', { flag: 'a' });
  }

  async verify(ref: Ref | StoredFile): Promise<void> {
    const file = this.localPath(ref);
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

function normalizeRelPath(relPath: string, opts: { allowTrailingSlash?: boolean } = {}): string {
  if (typeof relPath !== 'string' || relPath === '') throw new UserError('run store: empty path');
  const slashed = relPath.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed) || slashed.includes('\0')) {
    throw new UserError(`run store: ${JSON.stringify(relPath)} must be a relative path inside the store`);
  }
  const segments = slashed.split('/');
  const trailing = segments[segments.length - 1] === '';
  if (trailing && !opts.allowTrailingSlash) throw new UserError(`run store: ${JSON.stringify(relPath)} names a directory, not a file`);
  const kept = segments.filter((s) => s !== '' && s !== '.');
  if (kept.some((s) => s === '..')) throw new UserError(`run store: ${JSON.stringify(relPath)} must not contain '..'`);
  if (kept.length === 0) throw new UserError(`run store: ${JSON.stringify(relPath)} names the store root`);
  return kept.join('/') + (trailing ? '/' : '');
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
    else if (entry.isFile() && !entry.name.includes(TMP_MARK)) out.push(rel);
  }
}

/**
 * Streams content into a temporary file next to `target`, hashing as it goes, fsyncs it and renames it over
 * `target`. On any failure the temporary file is removed and `target` is untouched.
 */
async function writeThenRename(
  target: string,
  produce: (write: (chunk: string | Uint8Array) => Promise<void>) => Promise<void>,
): Promise<{ sha256: string; bytes: number }> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
  const hash = createHash('sha256');
  let bytes = 0;
  const out = createWriteStream(tmp, { flags: 'wx' });
  let streamError: Error | undefined;
  out.on('error', (err) => (streamError = err));
  const write = async (chunk: string | Uint8Array): Promise<void> => {
    if (streamError) throw streamError;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    hash.update(buf);
    bytes += buf.length;
    if (!out.write(buf)) await new Promise<void>((resolve, reject) => {
      const onDrain = () => { out.off('error', onError); resolve(); };
      const onError = (err: Error) => { out.off('drain', onDrain); reject(err); };
      out.once('drain', onDrain);
      out.once('error', onError);
    });
  };
  try {
    await produce(write);
    out.end();
    await finished(out);
    if (streamError) throw streamError;
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
  return { sha256: hash.digest('hex'), bytes };
}

function storeReadError(relPath: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(`run store: ${relPath} does not exist`);
  return new UserError(`run store: cannot read ${relPath} (${code ?? String(err)})`);
}
