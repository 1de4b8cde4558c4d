import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { EnvironmentError } from '../../lib/errors';

/**
 * One dev server per SQLite file. Two `temporal server start-dev` on the same file lock each other out
 * ("database is locked (5) (SQLITE_BUSY)") and the campaigns' long polls fail one after another, which is what
 * two checkouts sharing a `.strawberry` (or `strawberry ui` beside a running demo) would do. A lock file beside
 * the database names the process that started the server and the server's own pid (it runs in its own process
 * group and can outlive a killed parent); a start while either lives is refused with what to do, and a lock
 * whose processes are both gone is taken over.
 */
export interface DatabaseLock {
  /** Records the server's pid once it is spawned. */
  setServerPid(pid: number | undefined): void;
  /** Removes the lock (if it is still ours). Safe to call twice; synchronous, so exit hooks can call it. */
  release(): void;
}

interface LockContent {
  pid: number;
  serverPid?: number;
  startedAt: string;
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockContent | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockContent;
  } catch {
    return undefined;
  }
}

export function lockDatabase(dbFile: string): DatabaseLock {
  const file = `${dbFile}.lock`;
  let content: LockContent = { pid: process.pid, startedAt: new Date().toISOString() };
  const write = (flags: 'wx' | 'w') => {
    const fd = openSync(file, flags);
    try {
      writeSync(fd, JSON.stringify(content) + '\n');
    } finally {
      closeSync(fd);
    }
  };
  for (let tries = 0; ; tries++) {
    try {
      write('wx');
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw err;
      const held = readLock(file);
      if (held && (alive(held.pid) || alive(held.serverPid))) {
        throw new EnvironmentError(
          `the Temporal database ${dbFile} is in use: process ${held.pid} started a dev server on it at ${held.startedAt}` +
            `${held.serverPid ? ` (server pid ${held.serverPid})` : ''}. Two servers on one SQLite file lock each other out. ` +
            'Stop that one, point this command at it with TEMPORAL_ADDRESS, or give this checkout its own state directory (STRAWBERRY_HOME).',
        );
      }
      unlinkSync(file); // left by processes that are gone
    }
  }
  let released = false;
  return {
    setServerPid(pid) {
      if (released || pid === undefined) return;
      content = { ...content, serverPid: pid };
      write('w');
    },
    release() {
      if (released) return;
      released = true;
      if (readLock(file)?.pid === process.pid) {
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      }
    },
  };
}
