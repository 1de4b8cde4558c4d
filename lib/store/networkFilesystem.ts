import path from 'node:path';
import { filesystemClassOf } from '../storage/filesystemType';

/**
 * The network or FUSE filesystem `dir` (or its nearest existing ancestor: a run store not yet created) is on, or
 * undefined when it is local; classified by lib/storage/filesystemType.ts, as the ledger's check is.
 */
export async function networkFilesystemOf(dir: string): Promise<string | undefined> {
  let cur = path.resolve(dir);
  for (;;) {
    try {
      const fs = await filesystemClassOf(cur);
      return fs.kind === 'local' ? undefined : fs.name;
    } catch (err) {
      const parent = path.dirname(cur);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === cur) return undefined;
      cur = parent;
    }
  }
}
