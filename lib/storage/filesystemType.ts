import { statfs } from 'node:fs/promises';

/**
 * What kind of filesystem a path lives on, from the `f_type` magic number of statfs(2) (linux/magic.h): SQLite's
 * locking and WAL shared memory are unsafe on network and FUSE filesystems (several hosts, or a userspace daemon,
 * see "How To Corrupt An SQLite Database File", section 2.1), so the ledger refuses them; the file run store
 * reuses the classifier for its shared-filesystem check.
 */
export type FilesystemClass = { kind: 'local' } | { kind: 'network' | 'fuse'; name: string };

/** Network and FUSE filesystems by statfs magic. */
const REMOTE: ReadonlyMap<number, { kind: 'network' | 'fuse'; name: string }> = new Map([
  [0x6969, { kind: 'network', name: 'NFS' }],
  [0xff534d42, { kind: 'network', name: 'CIFS' }],
  [0xfe534d42, { kind: 'network', name: 'SMB2' }],
  [0x517b, { kind: 'network', name: 'SMB' }],
  [0x01021997, { kind: 'network', name: '9p' }],
  [0x00c36400, { kind: 'network', name: 'Ceph' }],
  [0x0bd00bd0, { kind: 'network', name: 'Lustre' }],
  [0x47504653, { kind: 'network', name: 'GPFS' }],
  [0x5346414f, { kind: 'network', name: 'AFS' }],
  [0x65735546, { kind: 'fuse', name: 'FUSE' }],
]);

/** The class of a statfs `type` (a negative number where a platform reports the magic as a signed 32-bit int). */
export function classifyFilesystemType(type: number): FilesystemClass {
  return REMOTE.get(type >>> 0) ?? { kind: 'local' };
}

/** The class of the filesystem holding `path` (which must exist). */
export async function filesystemClassOf(path: string): Promise<FilesystemClass> {
  return classifyFilesystemType((await statfs(path)).type);
}
