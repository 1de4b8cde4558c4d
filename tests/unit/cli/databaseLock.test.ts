import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lockDatabase } from '../../../cli/temporal/databaseLock';
import { EnvironmentError } from '../../../lib/errors';

/** One dev server per SQLite file (two on one file answer SQLITE_BUSY to each other's polls). */
describe('lockDatabase', () => {
  const db = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'db-lock-')), 'temporal.db');

  it('refuses a second server on the same file while the first one lives, naming it and what to do', () => {
    const file = db();
    const first = lockDatabase(file);
    first.setServerPid(process.pid);
    let err: unknown;
    try {
      lockDatabase(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(new RegExp(`in use: process ${process.pid} started a dev server on it .*TEMPORAL_ADDRESS.*STRAWBERRY_HOME`));
    first.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
    lockDatabase(file).release(); // free again
  });

  it('takes over a lock whose processes are gone', () => {
    const file = db();
    const gone = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: gone, serverPid: gone, startedAt: '2026-01-01T00:00:00Z' }));
    const lock = lockDatabase(file);
    lock.release();
    lock.release(); // twice is fine
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
