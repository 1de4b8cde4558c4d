import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DirectoryRunStore, type StoredSource } from '../../lib/store';

/** A local file as the run store hands it to a provider upload (through DirectoryRunStore.source, as activities do). */
export async function storedSource(file: string): Promise<StoredSource> {
  const abs = path.resolve(file);
  const sha256 = createHash('sha256').update(await readFile(abs)).digest('hex');
  return new DirectoryRunStore(path.dirname(abs)).source({ uri: pathToFileURL(abs).href, sha256, count: 1 });
}
