import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { DirectoryRunStore, roundDir } from '../../../lib/store';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe('DirectoryRunStore', () => {
  let root: string;
  let store: DirectoryRunStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'runstore-'));
    store = new DirectoryRunStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes JSON lines atomically and returns a reference with count, bytes and sha256', async () => {
    const rows = [{ a: 1 }, { b: 'two' }, [3]];
    const ref = await store.writeJsonl('demo/round-1/rows.jsonl', rows);
    const text = '{"a":1}\n{"b":"two"}\n[3]\n';
    expect(ref).toEqual({ uri: store.uriFor('demo/round-1/rows.jsonl'), sha256: sha(text), count: 3, bytes: Buffer.byteLength(text) });
    expect(await readFile(path.join(root, 'demo/round-1/rows.jsonl'), 'utf8')).toBe(text);
    expect(store.pathOf(ref)).toBe(path.join(root, 'demo', 'round-1', 'rows.jsonl'));
    expect(store.relPathOf(ref)).toBe('demo/round-1/rows.jsonl');
    await expect(store.verify(ref)).resolves.toBeUndefined();
  });

  it('streams rows from an async source', async () => {
    async function* gen() {
      for (let i = 0; i < 5000; i++) yield { i, pad: 'x'.repeat(50) };
    }
    const ref = await store.writeJsonl('big.jsonl', gen());
    expect(ref.count).toBe(5000);
    const lines = (await store.read('big.jsonl')).toString().trim().split('\n');
    expect(lines).toHaveLength(5000);
    expect(JSON.parse(lines[4999]!)).toEqual({ i: 4999, pad: 'x'.repeat(50) });
  });

  it('leaves the old file and no temporary file when a write fails half-way', async () => {
    await store.writeJsonl('d.jsonl', [{ old: true }]);
    async function* failing() {
      yield { first: 1 };
      throw new Error('source broke');
    }
    await expect(store.writeJsonl('d.jsonl', failing())).rejects.toThrow('source broke');
    expect((await store.read('d.jsonl')).toString()).toBe('{"old":true}\n');
    expect(await readdir(root)).toEqual(['d.jsonl']);
  });

  it('writes files from strings, buffers and streams', async () => {
    const a = await store.writeFileAtomic('x/a.txt', 'hello');
    expect(a).toEqual({ uri: store.uriFor('x/a.txt'), sha256: sha('hello'), bytes: 5 });
    await store.writeFileAtomic('x/b.bin', Buffer.from([1, 2, 3]));
    expect([...(await store.read('x/b.bin'))]).toEqual([1, 2, 3]);
    const c = await store.writeFileAtomic('x/c.txt', Readable.from(['ab', 'cd']));
    expect(c.sha256).toBe(sha('abcd'));
    expect(await store.list('x/')).toEqual(['x/a.txt', 'x/b.bin', 'x/c.txt']);
  });

  it('reads JSON, and names the file when it is not JSON', async () => {
    await store.writeJsonAtomic('c/registry.json', { v: 1 });
    expect(await store.readJson('c/registry.json')).toEqual({ v: 1 });
    await writeFile(path.join(root, 'c', 'bad.json'), '{nope');
    await expect(store.readJson('c/bad.json')).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(store.read('c/missing.json')).rejects.toThrow('run store: c/missing.json does not exist');
  });

  it('lists by prefix, recursively and sorted, skipping temporary files', async () => {
    await store.writeFileAtomic('demo/round-2/x.jsonl', '');
    await store.writeFileAtomic('demo/round-1/y.jsonl', '');
    await store.writeFileAtomic('demo/round-10/z.jsonl', '');
    await store.writeFileAtomic('other/k.json', '{}');
    await writeFile(path.join(root, 'demo', 'round-1', '.y.jsonl.tmp-1-abcd'), 'partial');
    expect(await store.list('demo/round-1/')).toEqual(['demo/round-1/y.jsonl']);
    expect(await store.list('demo/round-1')).toEqual(['demo/round-1/y.jsonl', 'demo/round-10/z.jsonl']);
    expect(await store.list()).toEqual(['demo/round-1/y.jsonl', 'demo/round-10/z.jsonl', 'demo/round-2/x.jsonl', 'other/k.json']);
    expect(await store.list('nothing/here/')).toEqual([]);
  });

  it('appends whole lines', async () => {
    await store.appendLine('l/ledger.jsonl', { k: 1 });
    await store.appendLine('l/ledger.jsonl', 'plain');
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.appendLine('l/ledger.jsonl', { i })));
    const lines = (await store.read('l/ledger.jsonl')).toString().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(52);
    expect(lines.slice(0, 2)).toEqual(['{"k":1}', 'plain']);
    await expect(store.appendLine('l/ledger.jsonl', 'a\nb')).rejects.toThrow('must not contain a newline');
  });

  it('rejects paths that escape the root and URIs of other stores', async () => {
    await expect(store.writeFileAtomic('../escape.txt', 'x')).rejects.toThrow("must not contain '..'");
    await expect(store.writeFileAtomic('/etc/passwd', 'x')).rejects.toThrow('must be a relative path');
    expect(() => store.pathOf('file:///somewhere/else.jsonl')).toThrow('outside the run store root');
    expect(() => store.pathOf('s3://bucket/key')).toThrow('not a file:// URI');
  });

  it('detects a referenced file that changed', async () => {
    const ref = await store.writeJsonl('v.jsonl', [{ a: 1 }]);
    await writeFile(store.pathOf(ref), '{"a":2}\n');
    await expect(store.verify(ref)).rejects.toThrow(/changed since it was referenced/);
  });

  it('builds round directories and refuses unsafe campaign names', () => {
    expect(roundDir('demo', 3)).toBe('demo/round-3');
    expect(() => roundDir('../x', 1)).toThrow('cannot be used as a directory name');
    expect(() => roundDir('a/b', 1)).toThrow('cannot be used as a directory name');
    expect(() => roundDir('demo', -1)).toThrow('non-negative integer');
  });
});
