import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeTextAtomic } from '../../../lib/atomicFile';

describe('writeTextAtomic', () => {
  it('replaces the file whole', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atomic-'));
    const file = path.join(dir, 'sub', 'out.jsonl');
    await writeTextAtomic(file, 'a\n');
    await writeTextAtomic(file, 'b\n');
    expect(readFileSync(file, 'utf8')).toBe('b\n');
    expect(readdirSync(path.dirname(file))).toEqual(['out.jsonl']);
  });

  it('leaves no temporary file behind when the rename fails', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'atomic-'));
    const target = path.join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(path.join(target, 'inside'), 'x');
    await expect(writeTextAtomic(target, 'text')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
