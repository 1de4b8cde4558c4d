import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../lib/errors';
import { openLedgerAt, SampleLedger } from '../../lib/ledger';
import { filesystemClassOf } from '../../lib/storage/filesystemType';
import { ledgerLocation } from '../../lib/storage/ledgerLocation';
import { DirectoryRunStore } from '../../lib/store';
import { describeUnless } from '../helpers/skip';

/**
 * SQLite on a network or FUSE filesystem corrupts under concurrent writers, so the ledger refuses one (by the
 * filesystem type of its directory) and accepts local disks. The refusal is checked on a real FUSE mount (bindfs,
 * Debian's `bindfs` package; skipped with the reason where it is missing or mounting is not allowed).
 */
describe('SQLite ledger and the filesystem under it', () => {
  const localDirs = [tmpdir(), '/dev/shm'].filter((d) => existsSync(d));

  it.each(localDirs)('accepts a local disk (%s)', async (dir) => {
    const at = mkdtempSync(path.join(dir, 'ledger-fs-'));
    expect((await filesystemClassOf(at)).kind).toBe('local');
    const l = await SampleLedger.open(at);
    await l.append([{ problemId: 'p', model: 'm', samplingParamsHash: 'h', purpose: 'estimate', sampleIndex: 0, grade: { correct: true, reason: 'match', verifierVersion: 'v1' }, usage: { promptTokens: 1, completionTokens: 1 } }]);
    expect(await l.count()).toBe(1);
    await l.close();
    expect(readdirSync(at)).toContain('ledger.sqlite');
  });
});

function fuseMount(): { mnt?: string; src?: string; why?: string } {
  if (spawnSync('bindfs', ['--version']).status !== 0) return { why: 'bindfs is not installed (apt-get install bindfs) for a FUSE mount' };
  const src = mkdtempSync(path.join(tmpdir(), 'fuse-src-'));
  const mnt = mkdtempSync(path.join(tmpdir(), 'fuse-mnt-'));
  const r = spawnSync('bindfs', [src, mnt], { encoding: 'utf8' });
  if (r.status !== 0) return { why: `bindfs could not mount a FUSE filesystem here: ${(r.stderr || '').trim().split('\n').at(-1)}` };
  return { src, mnt };
}

const fuse = fuseMount();
describeUnless(fuse.why)('SQLite ledger on a FUSE mount', () => {
  afterAll(() => {
    if (spawnSync('fusermount', ['-u', fuse.mnt!]).status !== 0) spawnSync('umount', [fuse.mnt!]);
  });

  it('is refused with a clear error that names the PostgreSQL option, and creates no database', async () => {
    const dir = path.join(fuse.mnt!, 'demo', 'ledger');
    expect(await filesystemClassOf(fuse.mnt!)).toEqual({ kind: 'fuse', name: 'FUSE' });
    const open = SampleLedger.open(dir);
    await expect(open).rejects.toBeInstanceOf(UserError);
    await expect(SampleLedger.open(dir)).rejects.toThrow(/is on a FUSE \(fuse\) filesystem, where SQLite corrupts under concurrent writers; put the ledger in PostgreSQL \(storage\.ledger: postgres:\/\//);
    expect(existsSync(path.join(dir, 'ledger.sqlite'))).toBe(false);
    // The same through the default location: a run store on the mount.
    const store = new DirectoryRunStore(fuse.mnt!);
    await expect(openLedgerAt(ledgerLocation(store, 'demo', undefined, {}))).rejects.toThrow(/STRAWBERRY_LEDGER/);
  });
});
