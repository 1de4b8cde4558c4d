import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../../lib/errors';
import { collectRecords, keyString, PostgresLedger, SampleLedger, samplingParamsHash, type Ledger, type NewSampleRecord, type SampleGrade } from '../../lib/ledger';
import { describeUnless } from '../helpers/skip';
import { freshDatabase, postgresUnavailable } from '../helpers/testPostgres';

/**
 * One contract for every ledger implementation: SQLite (the embedded default) and PostgreSQL (a real server from
 * scripts/postgres-up.sh, a fresh database for this suite). Each test gets a fresh ledger; `open` gives another
 * handle on the same one (what another worker process would hold).
 */
interface Impl {
  name: string;
  unavailable?: string;
  /** A fresh ledger; the function it returns opens a handle on it. */
  fresh(): Promise<(shard?: string) => Promise<Ledger>>;
  cleanup?(): Promise<void>;
}

const hash = samplingParamsHash({ temperature: 1, maxTokens: 512 });
const base = { problemId: 'p1', model: 'student-0', samplingParamsHash: hash, purpose: 'estimate' };

function rec(problemId: string, sampleIndex: number, correct = true, purpose = 'estimate'): NewSampleRecord {
  return {
    problemId,
    model: 'student-0',
    samplingParamsHash: hash,
    purpose,
    sampleIndex,
    completion: `answer ${problemId} ${sampleIndex} \\boxed{${correct ? 2 : 3}}`,
    grade: { correct, extracted: correct ? '2' : '3', reason: correct ? 'match' : 'mismatch', verifierVersion: 'v1' },
    usage: { promptTokens: 10, completionTokens: 20 + sampleIndex },
  };
}

let db: { url: string; drop: () => Promise<void> } | undefined;
let campaigns = 0;
const pgWhy = postgresUnavailable();

const impls: Impl[] = [
  {
    name: 'sqlite',
    fresh: async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'ledger-contract-'));
      return (shard) => SampleLedger.open(dir, { shard });
    },
  },
  {
    name: 'postgres',
    unavailable: pgWhy,
    fresh: async () => {
      db ??= await freshDatabase('ledger_contract');
      const url = db.url;
      // One database, a campaign per test: the campaign column keeps them apart.
      const campaign = `contract-${++campaigns}`;
      return (shard) => PostgresLedger.open(url, campaign, { shard });
    },
    cleanup: async () => db?.drop(),
  },
];

describe.each(impls)('Ledger contract: $name', (impl) => {
  const d = describeUnless(impl.unavailable);
  d('behaviour', () => {
    let open: (shard?: string) => Promise<Ledger>;
    const handles: Ledger[] = [];
    const handle = async (shard?: string) => {
      const l = await open(shard);
      handles.push(l);
      return l;
    };
    beforeEach(async () => {
      open = await impl.fresh();
    });
    afterEach(async () => {
      await Promise.all(handles.splice(0).map((h) => h.close()));
    });
    afterAll(async () => impl.cleanup?.());

    it('appends idempotently by key, and a reopened handle knows what is done (the resume set)', async () => {
      const a = await handle('estimate-r1-s0');
      expect(await a.append([rec('p1', 0), rec('p1', 1, false), rec('p2', 0)])).toEqual({ appended: 3, skipped: 0 });
      expect(await a.append([rec('p1', 0, false), rec('p1', 2)])).toEqual({ appended: 1, skipped: 1 });
      await a.close();
      const b = await handle();
      expect(await b.count()).toBe(4);
      expect(await b.has({ ...base, sampleIndex: 1 })).toBe(true);
      expect(await b.has({ ...base, purpose: 'trace', sampleIndex: 1 })).toBe(false);
      // The first record of a key stays.
      expect((await b.get({ ...base, sampleIndex: 0 }))!.grade.correct).toBe(true);
      expect((await b.get({ ...base, sampleIndex: 1 }))!.grade.correct).toBe(false);
      expect(await b.get({ ...base, sampleIndex: 9 })).toBeUndefined();
      expect(await b.missing(base, 5)).toEqual([3, 4]);
      expect(await b.missing({ ...base, problemId: 'p9' }, 2)).toEqual([0, 1]);
      expect((await b.recordsOf(base, 2)).map((r) => r.sampleIndex)).toEqual([0, 1]);
      expect((await b.recordsOf(base, 10)).map((r) => r.sampleIndex)).toEqual([0, 1, 2]);
      const first = (await collectRecords(b.records()))[0]!;
      expect(first.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(first).toMatchObject({ problemId: 'p1', sampleIndex: 0, completion: 'answer p1 0 \\boxed{2}', usage: { promptTokens: 10, completionTokens: 20 } });
    });

    it('filters records by key fields, a predicate and the writer label, in insertion order', async () => {
      const l = await handle();
      await l.view('estimate-r1-s0').append([rec('p1', 0), rec('p2', 0, false)]);
      await l.view('trace-r1-s0').append([rec('p1', 0, true, 'trace'), rec('p1', 1, false, 'trace')]);
      await l.view('estimate-r2-s0').append([rec('p1', 1)]);
      const ids = async (f: Parameters<Ledger['records']>[0]) => (await collectRecords(l.records(f))).map((r) => `${r.problemId}/${r.purpose}/${r.sampleIndex}`);
      expect(await ids({ problemId: 'p1' })).toEqual(['p1/estimate/0', 'p1/trace/0', 'p1/trace/1', 'p1/estimate/1']);
      expect(await ids({ problemId: 'p1', purpose: 'estimate' })).toEqual(['p1/estimate/0', 'p1/estimate/1']);
      expect(await ids({ purpose: 'trace', sampleIndex: 1 })).toEqual(['p1/trace/1']);
      expect(await ids({ where: (r) => !r.grade.correct })).toEqual(['p2/estimate/0', 'p1/trace/1']);
      expect(await ids({ writerPrefix: 'estimate-r1-' })).toEqual(['p1/estimate/0', 'p2/estimate/0']);
      expect(await ids({ writerPrefix: 'trace-', problemId: 'p2' })).toEqual([]);
    });

    it('sums samples and tokens by writer, purpose and model', async () => {
      const l = await handle();
      await l.view('estimate-r1-s0').append([rec('p1', 0), rec('p1', 1)]);
      await l.view('estimate-r1-s1').append([rec('p2', 0)]);
      await l.view('eval-r1').append([rec('p3', 0, true, 'eval')]);
      const rows = (await l.usage()).sort((a, b) => (a.writer ?? '').localeCompare(b.writer ?? ''));
      expect(rows).toEqual([
        { writer: 'estimate-r1-s0', purpose: 'estimate', model: 'student-0', samples: 2, promptTokens: 20, completionTokens: 41 },
        { writer: 'estimate-r1-s1', purpose: 'estimate', model: 'student-0', samples: 1, promptTokens: 10, completionTokens: 20 },
        { writer: 'eval-r1', purpose: 'eval', model: 'student-0', samples: 1, promptTokens: 10, completionTokens: 20 },
      ]);
    });

    it('concurrent appends of one key through one handle write it once (one group commit), readable before it commits', async () => {
      const l = await handle();
      const view = l.view('estimate-r1-s0');
      const pending = Promise.all([l.append([rec('p1', 0)]), view.append([rec('p1', 0), rec('p1', 1)]), l.append([rec('p1', 1)])]);
      // Appended, not committed yet: reads see it, so a sibling lane does not draw it again.
      expect(await l.has({ ...base, sampleIndex: 1 })).toBe(true);
      const results = await pending;
      expect(results.reduce((n, r) => n + r.appended, 0)).toBe(2);
      expect(results.reduce((n, r) => n + r.skipped, 0)).toBe(2);
      expect(await l.count()).toBe(2);
    });

    it('two handles (two workers) racing over overlapping keys write each key once and agree on the count', async () => {
      const one = await handle('a');
      const two = await handle('b');
      const keys = Array.from({ length: 40 }, (_, i) => rec(`p${i % 10}`, Math.floor(i / 10)));
      // Each handle appends every key in small batches, in opposite orders, at the same time.
      const batches = (rs: NewSampleRecord[]) => Array.from({ length: rs.length / 4 }, (_, i) => rs.slice(i * 4, i * 4 + 4));
      const results = await Promise.all([
        ...batches(keys).map((b) => one.append(b)),
        ...batches([...keys].reverse().map((r) => ({ ...r, grade: { ...r.grade, correct: false } }))).map((b) => two.append(b)),
      ]);
      expect(results.reduce((n, r) => n + r.appended, 0)).toBe(40);
      expect(results.reduce((n, r) => n + r.skipped, 0)).toBe(40);
      expect(await one.count()).toBe(40);
      const all = await collectRecords(two.records());
      expect(new Set(all.map((r) => keyString(r))).size).toBe(40);
      expect(all).toHaveLength(40);
      // Whoever won a key, every later read of it gives that one record.
      for (const r of all.slice(0, 5)) expect(await one.get(r)).toEqual(r);
    });

    it('streams a large ledger in insertion order; a reader may stop early or use the ledger while it iterates', async () => {
      const l = await handle('estimate-r1-s0');
      const n = 2500;
      for (let at = 0; at < n; at += 500) await l.append(Array.from({ length: 500 }, (_, i) => rec(`q${String(at + i).padStart(5, '0')}`, 0)));
      let seen = 0;
      let last = '';
      for await (const r of l.records({ purpose: 'estimate' })) {
        expect(r.problemId > last).toBe(true);
        last = r.problemId;
        // Point reads in the middle of a stream (a resume looks up keys as it goes).
        if (seen % 997 === 0) expect(await l.has(r)).toBe(true);
        seen++;
      }
      expect(seen).toBe(n);
      // Stopping early releases what the stream held: ten early stops, then the ledger still answers.
      for (let i = 0; i < 10; i++) {
        for await (const r of l.records()) {
          expect(r.sampleIndex).toBe(0);
          break;
        }
      }
      expect(await l.count()).toBe(n);
      expect(await l.missing({ ...base, problemId: 'q02499' }, 2)).toEqual([1]);
    });

    it('resumes after a close: a second run draws only what is missing', async () => {
      const run = async (ledger: Ledger, want: number) => {
        const drawn: number[] = [];
        for (const problem of ['p1', 'p2']) {
          const missing = await ledger.missing({ ...base, problemId: problem }, want);
          drawn.push(...missing);
          await ledger.append(missing.map((i) => rec(problem, i)));
        }
        return drawn.length;
      };
      const first = await handle('estimate-r1-s0');
      expect(await run(first, 3)).toBe(6);
      await first.close();
      const second = await handle('estimate-r1-s0');
      expect(await run(second, 3)).toBe(0);
      // Raising the count draws only the new indices.
      expect(await run(second, 5)).toBe(4);
      expect(await second.count()).toBe(10);
    });

    it('regrades without sampling, only what an older verifier graded', async () => {
      const l = await handle('s1');
      await l.append([rec('p1', 0, true), rec('p1', 1, false), rec('p2', 0, false)]);
      const grade = jest.fn((r: { completion?: string }): SampleGrade => {
        const extracted = /\\boxed\{(.+)\}/.exec(r.completion ?? '')?.[1];
        const correct = extracted === '2' || extracted === '3';
        return { correct, extracted, reason: correct ? 'match' : 'mismatch', verifierVersion: 'ignored' };
      });
      expect(await l.regrade(grade, 'v2')).toEqual({ regraded: 3, changed: 2, unchanged: 0 });
      await l.close();
      const reopened = await handle();
      const all = await collectRecords(reopened.records());
      expect(all.every((r) => r.grade.correct && r.grade.verifierVersion === 'v2' && r.regradedFrom === 'v1')).toBe(true);
      grade.mockClear();
      expect(await reopened.regrade(grade, 'v2')).toEqual({ regraded: 0, changed: 0, unchanged: 3 });
      expect(grade).not.toHaveBeenCalled();
    });

    it('rejects a record with a bad key, naming the field', async () => {
      const l = await handle();
      await expect(l.append([{ ...rec('p1', 0), sampleIndex: -1 }])).rejects.toThrow(/sampleIndex/);
      await expect(l.append([{ ...rec('p1', 0), model: '' }])).rejects.toThrow(/field "model"/);
      expect(await l.count()).toBe(0);
    });
  });
});

describeUnless(pgWhy)('PostgreSQL ledger: one database, many campaigns', () => {
  let own: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    own = await freshDatabase('ledger_campaigns');
  });
  afterAll(async () => own?.drop());

  it('keeps campaigns apart and migrates its schema once, recorded in schema_migrations', async () => {
    const a = await PostgresLedger.open(own.url, 'alpha');
    const b = await PostgresLedger.open(own.url, 'beta');
    await a.append([rec('p1', 0), rec('p1', 1)]);
    expect(await b.append([rec('p1', 0, false)])).toEqual({ appended: 1, skipped: 0 });
    expect(await a.count()).toBe(2);
    expect(await b.count()).toBe(1);
    expect((await b.get({ ...base, sampleIndex: 0 }))!.grade.correct).toBe(false);
    expect(await collectRecords(b.records({ sampleIndex: 1 }))).toEqual([]);
    const { Client } = await import('pg');
    const c = new Client({ connectionString: own.url });
    await c.connect();
    try {
      expect((await c.query('SELECT version, name FROM schema_migrations ORDER BY version')).rows).toEqual([
        { version: 1, name: 'ledger samples' },
        { version: 2, name: 'model registry' },
      ]);
      // The rounds index serves per-round reads; the writer label gave each row its round.
      expect((await c.query("SELECT round, count(*)::int AS n FROM ledger_samples WHERE campaign = 'alpha' GROUP BY round")).rows).toEqual([{ round: null, n: 2 }]);
    } finally {
      await c.end();
    }
    await a.close();
    await b.close();
  });

  it('says what is wrong with a server it cannot use: unreachable (retried by activities) or a missing database (not)', async () => {
    const url = new URL(own.url);
    const unreachable = PostgresLedger.open(`postgres://${url.username}@127.0.0.1:1/${url.pathname.slice(1)}`, 'c');
    await expect(unreachable).rejects.toBeInstanceOf(EnvironmentError);
    await expect(PostgresLedger.open(`postgres://${url.username}@127.0.0.1:1/x`, 'c')).rejects.toThrow(/127\.0\.0\.1:1\/x is not reachable: .*ECONNREFUSED.*scripts\/postgres-up\.sh/);
    url.pathname = '/no_such_database';
    const missing = PostgresLedger.open(url.href, 'c');
    await expect(missing).rejects.toThrow(/no_such_database: database "no_such_database" does not exist/);
    await expect(PostgresLedger.open(url.href, 'c')).rejects.toMatchObject({ name: 'UserError' });
  });
});
