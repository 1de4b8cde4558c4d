import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors';

/** What an errno code means, in words a person reads (the code alone says little to most). */
const CODE_TEXT: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a path component is not a directory',
  ENOENT: 'no such file or directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'exists and is not a directory',
};

export function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return err instanceof Error ? err.message : String(err);
  return CODE_TEXT[code] ? `${CODE_TEXT[code]}, ${code}` : code;
}

/**
 * Creates `dir` and its missing parents, one level at a time. Node's `mkdir({recursive: true})` loops forever
 * (100% CPU) on some paths (e.g. under /proc, where a fresh directory stays ENOENT); this walks up to the first
 * existing ancestor, checks it is a directory, and creates each level once. Errors are UserErrors that name
 * `what` and the path.
 */
export async function ensureDir(dir: string, what: string): Promise<void> {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      const s = await stat(cur);
      if (!s.isDirectory()) throw new UserError(`${what} ${abs}: ${cur} is not a directory`);
      break;
    } catch (err) {
      if (err instanceof UserError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new UserError(`${what} ${abs}: cannot use ${cur} (${errnoText(err)})`);
      const parent = path.dirname(cur);
      if (parent === cur) throw new UserError(`${what} ${abs}: no existing directory above it`);
      missing.unshift(cur);
      cur = parent;
    }
  }
  for (const d of missing) {
    try {
      await mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(d).catch(() => undefined))?.isDirectory()) continue;
      throw new UserError(`${what} ${abs}: cannot create ${d} (${errnoText(err)})`);
    }
  }
}

/** Creates `dir` if needed and proves a file can be written there (then removes it). */
export async function assertWritableDir(dir: string, what: string): Promise<void> {
  await ensureDir(dir, what);
  const probe = path.join(path.resolve(dir), `.write-probe-${process.pid}`);
  try {
    await writeFile(probe, '');
  } catch (err) {
    throw new UserError(`${what} ${path.resolve(dir)} is not writable (${errnoText(err)})`);
  }
  await unlink(probe).catch(() => undefined);
}
