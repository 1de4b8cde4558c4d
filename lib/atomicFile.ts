import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * The project's one atomic writer: content goes to a temporary file beside the target (hashed as it is
 * written), is fsynced, then renamed over the target. Readers see the old content or the new one, never a
 * part; on any failure the temporary file is removed and the target is untouched. The run store, the CLI's
 * output files, the local trainer's job records and the datasets all write through it.
 */

/** Bytes to write: whole in memory, or streamed (a Node stream or any async iterable of chunks). */
export type AtomicData = string | Uint8Array | Readable | AsyncIterable<string | Uint8Array>;

/** What a write reports: the sha256 and size of the bytes written. */
export interface AtomicWritten {
  sha256: string;
  bytes: number;
}

/** Temporary files carry this mark (`.<name>.tmp-<pid>-<random>`): listings skip them. */
export const TMP_MARK = '.tmp-';

/** Whether a file name is one of this writer's temporary files. */
export function isTempFileName(name: string): boolean {
  return name.includes(TMP_MARK);
}

/** Writes `data` to `file` all-or-nothing (its directory is created) and returns the digest and size written. */
export async function writeFileAtomic(file: string, data: AtomicData): Promise<AtomicWritten> {
  return writeThenRename(file, async (write) => {
    if (typeof data === 'string' || data instanceof Uint8Array) await write(data);
    else for await (const chunk of data as AsyncIterable<string | Uint8Array>) await write(chunk);
  });
}

/** Writes `text` to `file` all-or-nothing. */
export async function writeTextAtomic(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text);
}

/**
 * Streams what `produce` writes into a temporary file next to `target`, hashing as it goes, fsyncs it and
 * renames it over `target`. On any failure the temporary file is removed and `target` is untouched.
 */
export async function writeThenRename(
  target: string,
  produce: (write: (chunk: string | Uint8Array) => Promise<void>) => Promise<void>,
): Promise<AtomicWritten> {
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
    // The stream opens its file asynchronously: wait until it is closed, or a late open would recreate the
    // temporary file after the rm (seen under load).
    const closed = out.closed ? Promise.resolve() : new Promise<void>((resolve) => out.once('close', () => resolve()));
    out.destroy();
    await closed;
    await rm(tmp, { force: true });
    throw err;
  }
  return { sha256: hash.digest('hex'), bytes };
}
