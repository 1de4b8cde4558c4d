import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { openRunStore, storeLocation, type RunStore } from '../../lib/store';
import { describeUnless } from '../helpers/skip';
import { freshS3Url, testS3, useTestS3Env } from '../helpers/testS3';

/**
 * The RunStore contract, one suite for every implementation: a directory (file://) and an S3-compatible object
 * store (s3://, the real server of scripts/s3-up.sh). Stores are opened by URL, as workers open them. The
 * listing page size is small (7) so that pagination is exercised with a few dozen keys.
 */

jest.setTimeout(60_000);
const s3 = testS3();
if (s3.s3) useTestS3Env(s3.s3);
const run = promisify(execFile);
const tsx = path.join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
const bigDataset = path.join(__dirname, '..', 'fixtures', 'runStore', 'bigDataset.ts');
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Kind {
  kind: string;
  skip?: string;
  open(): Promise<{ store: RunStore; cleanup(): Promise<void> }>;
}

const kinds: Kind[] = [
  {
    kind: 'directory',
    async open() {
      const root = await mkdtemp(path.join(os.tmpdir(), 'runstore-contract-'));
      return { store: openRunStore(pathToFileURL(root).href), cleanup: () => rm(root, { recursive: true, force: true }) };
    },
  },
  {
    kind: 's3',
    skip: s3.reason,
    async open() {
      return { store: openRunStore(freshS3Url(s3.s3!, 'contract'), { listPageSize: 7 }), cleanup: async () => {} };
    },
  },
];

describe.each(kinds)('RunStore contract: $kind', ({ kind, skip, open }) => {
  describeUnless(skip)(kind, () => {
    let store: RunStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ store, cleanup } = await open()));
    afterEach(() => cleanup());

    it('writes whole files (strings, bytes, streams) and reads them back with their digest and size', async () => {
      const a = await store.writeFileAtomic('x/a.txt', 'hello');
      expect(a).toEqual({ uri: store.uriFor('x/a.txt'), sha256: sha('hello'), bytes: 5 });
      expect(store.relPathOf(a)).toBe('x/a.txt');
      await store.writeFileAtomic('x/b.bin', Buffer.from([1, 2, 3]));
      expect([...(await store.read('x/b.bin'))]).toEqual([1, 2, 3]);
      const c = await store.writeFileAtomic('x/c.txt', Readable.from(['ab', 'cd']));
      expect(c).toMatchObject({ sha256: sha('abcd'), bytes: 4 });
      await store.writeJsonAtomic('x/d.json', { v: [1] });
      expect(await store.readJson('x/d.json')).toEqual({ v: [1] });
      // A rewrite replaces the whole content.
      await store.writeFileAtomic('x/a.txt', 'bye');
      expect((await store.read('x/a.txt')).toString()).toBe('bye');
      await expect(store.read('x/missing.txt')).rejects.toThrow(/does not exist/);
    });

    it('keeps the old content when a streamed write fails half-way', async () => {
      await store.writeJsonl('d.jsonl', [{ old: true }]);
      async function* failing() {
        yield { first: 1 };
        throw new Error('source broke');
      }
      await expect(store.writeJsonl('d.jsonl', failing())).rejects.toThrow('source broke');
      expect((await store.read('d.jsonl')).toString()).toBe('{"old":true}\n');
      expect(await store.list()).toEqual(['d.jsonl']);
    });

    it('writes JSON lines and streams them back with the row count and sha256', async () => {
      async function* rows() {
        for (let i = 0; i < 3000; i++) yield { i, pad: 'x'.repeat(40) };
      }
      const ref = await store.writeJsonl('demo/round-1/rows.jsonl', rows());
      const text = Array.from({ length: 3000 }, (_, i) => `${JSON.stringify({ i, pad: 'x'.repeat(40) })}\n`).join('');
      expect(ref).toEqual({ uri: store.uriFor('demo/round-1/rows.jsonl'), sha256: sha(text), count: 3000, bytes: Buffer.byteLength(text) });
      let n = 0;
      for await (const row of store.iterJsonl<{ i: number }>(ref)) expect(row.i).toBe(n++);
      expect(n).toBe(3000);
      expect(await store.readJsonl({ uri: ref.uri }, { start: Buffer.byteLength(text) - Buffer.byteLength(text.split('\n')[2999]! + '\n') })).toEqual([{ i: 2999, pad: 'x'.repeat(40) }]);
      await expect(store.verify(ref)).resolves.toBeUndefined();
    });

    it('names the location and line of a bad line', async () => {
      const ref = await store.writeFileAtomic('bad/rows.jsonl', '{"ok":1}\n{nope\n{"ok":3}\n');
      const where = storeLocation(store, 'bad/rows.jsonl');
      expect(where).toBe(kind === 's3' ? ref.uri : path.join((store as { root?: string }).root ?? '', 'bad', 'rows.jsonl'));
      await expect(store.readJsonl(ref)).rejects.toThrow(new RegExp(`^${escape(where)}:2: not valid JSON`));
      const skipped: string[] = [];
      expect(await store.readJsonl(ref, { onInvalidLine: (e) => skipped.push(e.message) })).toEqual([{ ok: 1 }, { ok: 3 }]);
      expect(skipped).toHaveLength(1);
    });

    it('lists by prefix, recursively and sorted, across pages', async () => {
      const names = Array.from({ length: 30 }, (_, i) => `demo/round-1/shard-${String(i).padStart(2, '0')}.jsonl`);
      await Promise.all(names.map((n) => store.writeFileAtomic(n, '')));
      await store.writeFileAtomic('demo/round-10/z.jsonl', '');
      await store.writeFileAtomic('demo/round-2/x.jsonl', '');
      await store.writeFileAtomic('other/k.json', '{}');
      expect(await store.list('demo/round-1/')).toEqual(names);
      expect(await store.list('demo/round-1')).toEqual([...names, 'demo/round-10/z.jsonl']);
      expect(await store.list()).toEqual([...names, 'demo/round-10/z.jsonl', 'demo/round-2/x.jsonl', 'other/k.json']);
      expect(await store.list('nothing/here/')).toEqual([]);
    });

    it('says whether a file exists', async () => {
      expect(await store.exists('e/f.json')).toBe(false);
      await store.writeJsonAtomic('e/f.json', {});
      expect(await store.exists('e/f.json')).toBe(true);
      expect(await store.exists('e/g.json')).toBe(false);
    });

    it('appends whole lines to a log and reads them back in order, concurrent appenders included', async () => {
      expect(await store.exists('l/events.jsonl')).toBe(false);
      expect([]).toEqual(await collect(store.iterLog('l/events.jsonl')));
      await store.appendLine('l/events.jsonl', { k: 1 });
      await store.appendLine('l/events.jsonl', 'plain');
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendLine('l/events.jsonl', { i })));
      await store.appendLine('l/events.jsonl', { k: 'last' });
      const back = await collect(store.iterLog('l/events.jsonl', { onInvalidLine: () => {} }));
      // 'plain' is no JSON value: a log of JSON rows skips or reports it, like any bad line.
      expect(back[0]).toEqual({ k: 1 });
      expect(back.at(-1)).toEqual({ k: 'last' });
      expect(back.slice(1, -1).map((r) => (r as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(await store.exists('l/events.jsonl')).toBe(true);
      expect(await store.list('l/')).toEqual(['l/events.jsonl']);
      await expect(store.appendLine('l/events.jsonl', 'a\nb')).rejects.toThrow('must not contain a newline');
    });

    it('detects a referenced file that changed', async () => {
      const ref = await store.writeJsonl('v.jsonl', [{ a: 1 }]);
      await store.verify(ref);
      await store.writeJsonl('v.jsonl', [{ a: 2 }]);
      await expect(store.verify(ref)).rejects.toThrow(/changed since it was referenced/);
      await expect(store.verify({ ...ref, uri: store.uriFor('gone.jsonl') })).rejects.toThrow(/does not exist/);
    });

    it('hands a file to an upload as a source: size, digest and a fresh stream each time', async () => {
      const ref = await store.writeJsonl('up/dataset.jsonl', [{ messages: [] }, { messages: [1] }]);
      const source = await store.source(ref);
      expect(source).toMatchObject({ uri: ref.uri, bytes: ref.bytes, sha256: ref.sha256 });
      expect(kind === 'directory' ? typeof source.localPath : source.localPath).toBe(kind === 'directory' ? 'string' : undefined);
      expect(sha(await buffer(source.open()))).toBe(ref.sha256);
      expect(sha(await buffer(source.open()))).toBe(ref.sha256);
    });

    it('streams a large dataset (64 MiB, a multipart upload on S3) in and out within a 40 MB heap', async () => {
      // In a process whose heap is smaller than the file: it finishes only if neither the write nor the read
      // held the file whole (held whole and parsed, it dies of "heap out of memory").
      const { stdout } = await run(process.execPath, [tsx, bigDataset, store.uriFor('x').replace(/\/x$/, ''), '64'], {
        env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=40' },
        timeout: 120_000,
      });
      const r = JSON.parse(stdout) as { count: number; bytes: number; sha256: string; expected: string; read: number };
      expect(r.count).toBe(64 * 1024);
      expect(r.read).toBe(r.count);
      expect(r.bytes).toBeGreaterThan(64 * 1024 * 1024);
      expect(r.sha256).toBe(r.expected);
    }, 150_000);

    it('refuses paths that escape the store and URIs of other stores', async () => {
      await expect(store.writeFileAtomic('../escape.txt', 'x')).rejects.toThrow("must not contain '..'");
      await expect(store.writeFileAtomic('/etc/passwd', 'x')).rejects.toThrow('must be a relative path');
      expect(() => store.relPathOf('s3://another-bucket/key')).toThrow();
      expect(() => store.relPathOf('file:///somewhere/else.jsonl')).toThrow();
    });
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
