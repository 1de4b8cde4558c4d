import { statfs } from 'node:fs/promises';
import path from 'node:path';

/**
 * Which network or FUSE filesystem a path is on, by the `f_type` magic number statfs(2) reports (Linux;
 * linux/magic.h and the filesystems' own headers). Undefined: a local filesystem, or one we do not know.
 */
const NETWORK_FILESYSTEMS: Record<number, string> = {
  0x6969: 'NFS',
  0xff534d42: 'CIFS/SMB',
  0xfe534d42: 'SMB2',
  0x517b: 'SMB',
  0x65735546: 'FUSE',
  0x01021997: '9p',
  0x00c36400: 'Ceph',
  0x0bd00bd0: 'Lustre',
  0x47504653: 'GPFS',
};

/** The network filesystem `dir` (or its nearest existing ancestor) is on, or undefined when it is local. */
export async function networkFilesystemOf(dir: string): Promise<string | undefined> {
  let cur = path.resolve(dir);
  for (;;) {
    try {
      const { type } = await statfs(cur);
      // statfs reports f_type as a signed number on some platforms: compare as unsigned 32-bit.
      return NETWORK_FILESYSTEMS[type >>> 0];
    } catch (err) {
      const parent = path.dirname(cur);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === cur) return undefined;
      cur = parent;
    }
  }
}
