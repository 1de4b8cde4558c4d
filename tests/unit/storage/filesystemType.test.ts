import { tmpdir } from 'node:os';
import { classifyFilesystemType, filesystemClassOf } from '../../../lib/storage/filesystemType';

describe('classifyFilesystemType', () => {
  it.each([
    [0x6969, 'network', 'NFS'],
    [0xff534d42, 'network', 'CIFS'],
    [0xfe534d42, 'network', 'SMB2'],
    [0x517b, 'network', 'SMB'],
    [0x01021997, 'network', '9p'],
    [0x00c36400, 'network', 'Ceph'],
    [0x0bd00bd0, 'network', 'Lustre'],
    [0x47504653, 'network', 'GPFS'],
    [0x5346414f, 'network', 'AFS'],
    [0x65735546, 'fuse', 'FUSE'],
  ])('0x%s is %s (%s)', (type, kind, name) => {
    expect(classifyFilesystemType(type)).toEqual({ kind, name });
  });

  it('reads a magic reported as a signed 32-bit number the same', () => {
    expect(classifyFilesystemType(0xff534d42 | 0)).toEqual({ kind: 'network', name: 'CIFS' });
    expect(0xff534d42 | 0).toBeLessThan(0);
  });

  it.each([
    [0xef53, 'ext2/3/4'],
    [0x01021994, 'tmpfs'],
    [0x58465342, 'XFS'],
    [0x9123683e, 'Btrfs'],
    [0x794c7630, 'overlayfs'],
    [0x2fc12fc1, 'ZFS'],
  ])('0x%s (%s) is local', (type) => {
    expect(classifyFilesystemType(type)).toEqual({ kind: 'local' });
  });

  it('classifies a real path', async () => {
    expect((await filesystemClassOf(tmpdir())).kind).toBeDefined();
  });
});
