import { appendFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LedgerFormatError, type NewSampleRecord, SampleLedger, samplingParamsHash } from '../../../lib/ledger';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'ledger-'));
const hash = samplingParamsHash({ temperature: 1, maxTokens: 512, promptStyle: 'cot', promptVersion: 'prompts-v1' });

function rec(problemId: string, sampleIndex: number, correct = true, purpose = 'estimate'): NewSampleRecord {
  return {
    problemId,
    model: 'student-0',
    samplingParamsHash: hash,
    purpose,
    sampleIndex,
    completion: `answer ${problemId} ${sampleIndex} \\boxed{${correct ? 2 : 3}}`,
    grade: { correct, extracted: correct ? '2' : '3', reason: correct ? 'match' : 'mismatch', verifierVersion: 'v1' },
    usage: { promptTokens: 10, completionTokens: 20 },
  };
}

describe('samplingParamsHash', () => {
  it('is stable under key order and changes with any value', () => {
    expect(samplingParamsHash({ a: 1, b: 'x' })).toBe(samplingParamsHash({ b: 'x', a: 1 }));
    expect(samplingParamsHash({ a: 1, b: 'x', c: undefined })).toBe(samplingParamsHash({ a: 1, b: 'x' }));
    expect(samplingParamsHash({ a: 1, maxTokens: 512 })).not.toBe(samplingParamsHash({ a: 1, maxTokens: 1024 }));
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('SampleLedger', () => {
  it('appends, and a reopened ledger knows what is done (the resume set)', async () => {
    const dir = tmp();
    const a = await SampleLedger.open(dir);
    expect(await a.append([rec('p1', 0), rec('p1', 1, false), rec('p2', 0)])).toEqual({ appended: 3, skipped: 0 });
    expect(await a.append([rec('p1', 0), rec('p1', 2)])).toEqual({ appended: 1, skipped: 1 });
    const b = await SampleLedger.open(dir);
    expect(b.size).toBe(4);
    expect(b.stats).toMatchObject({ files: 1, records: 4, torn: 0, duplicates: 0 });
    const base = { problemId: 'p1', model: 'student-0', samplingParamsHash: hash, purpose: 'estimate' };
    expect(b.has({ ...base, sampleIndex: 1 })).toBe(true);
    expect(b.get({ ...base, sampleIndex: 1 })!.grade.correct).toBe(false);
    expect(b.has({ ...base, purpose: 'trace', sampleIndex: 1 })).toBe(false);
    expect(b.missing(base, 5)).toEqual([3, 4]);
    expect(b.records({ problemId: 'p1' }).map((r) => r.sampleIndex)).toEqual([0, 1, 2]);
    expect(b.records({ where: (r) => !r.grade.correct })).toHaveLength(1);
    expect(b.records()[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('skips and reports a torn last line, truncates it away, and appends cleanly after it', async () => {
    const dir = tmp();
    const l = await SampleLedger.open(dir);
    await l.append([rec('p1', 0), rec('p1', 1)]);
    const file = path.join(dir, 'main.jsonl');
    appendFileSync(file, JSON.stringify(rec('p1', 2)).slice(0, 40)); // a crash mid-write
    const reopened = await SampleLedger.open(dir);
    expect(reopened.size).toBe(2);
    expect(reopened.stats.torn).toBe(1);
    expect(reopened.stats.warnings[0]).toMatch(/main\.jsonl:3: skipped a torn last line/);
    await reopened.append([rec('p1', 2)]);
    const again = await SampleLedger.open(dir);
    expect(again.stats).toMatchObject({ records: 3, torn: 0, duplicates: 0 });
  });

  it('a complete last line without its newline is kept, and the next append starts a new line', async () => {
    const dir = tmp();
    const file = path.join(dir, 'main.jsonl');
    writeFileSync(file, JSON.stringify({ ...rec('p1', 0), timestamp: 't' }));
    const l = await SampleLedger.open(dir);
    expect(l.size).toBe(1);
    await l.append([rec('p1', 1)]);
    expect((await SampleLedger.open(dir)).size).toBe(2);
  });

  it('a malformed line in the middle is an error naming file:line', async () => {
    const dir = tmp();
    const file = path.join(dir, 'main.jsonl');
    const good = JSON.stringify({ ...rec('p1', 0), timestamp: 't' });
    writeFileSync(file, `${good}\n{"problemId": "p2", "model": 7}\n${good.replace('"sampleIndex":0', '"sampleIndex":1')}\n`);
    await expect(SampleLedger.open(dir)).rejects.toThrow(LedgerFormatError);
    await expect(SampleLedger.open(dir)).rejects.toThrow(/main\.jsonl:2: field "model": expected a non-empty string/);
    writeFileSync(file, `${good}\nnot json\n${good}\n`);
    await expect(SampleLedger.open(dir)).rejects.toThrow(/main\.jsonl:2: invalid JSON/);
  });

  it('keeps the first of duplicate keys and counts the rest, across shards', async () => {
    const dir = tmp();
    const one = await SampleLedger.open(dir, { shard: 'a' });
    const two = await SampleLedger.open(dir, { shard: 'b' });
    await one.append([rec('p1', 0, true), rec('p2', 0)]);
    await two.append([rec('p1', 0, false), rec('p3', 0)]); // two didn't know about one's p1/0
    expect(readdirSync(dir).sort()).toEqual(['a.jsonl', 'b.jsonl']);
    const all = await SampleLedger.open(dir);
    expect(all.stats).toMatchObject({ files: 2, records: 3, duplicates: 1 });
    expect(all.get({ problemId: 'p1', model: 'student-0', samplingParamsHash: hash, purpose: 'estimate', sampleIndex: 0 })!.grade.correct).toBe(true);
  });

  it('concurrent appends of the same key write it once', async () => {
    const dir = tmp();
    const a = await SampleLedger.open(dir);
    const results = await Promise.all([a.append([rec('p1', 0)]), a.append([rec('p1', 0), rec('p1', 1)]), a.append([rec('p1', 1)])]);
    expect(results.reduce((n, r) => n + r.appended, 0)).toBe(2);
    expect(readFileSync(path.join(dir, 'main.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect((await SampleLedger.open(dir)).stats).toMatchObject({ records: 2, duplicates: 0 });
  });

  it('a single-file ledger works the same', async () => {
    const file = path.join(tmp(), 'samples.jsonl');
    await (await SampleLedger.open(file)).append([rec('p1', 0)]);
    expect((await SampleLedger.open(file)).size).toBe(1);
  });

  it('rejects records with a bad key', async () => {
    const l = await SampleLedger.open(tmp());
    await expect(l.append([{ ...rec('p1', 0), sampleIndex: -1 }])).rejects.toThrow(/sampleIndex/);
  });

  it('regrades without sampling, atomically, and only what an older verifier graded', async () => {
    const dir = tmp();
    const l = await SampleLedger.open(dir, { shard: 's1' });
    await l.append([rec('p1', 0, true), rec('p1', 1, false), rec('p2', 0, false)]);
    // The new grader accepts "3" as well (e.g. a fixed answer key).
    const grade = jest.fn((r: { completion?: string }) => {
      const extracted = /\\boxed\{(.+)\}/.exec(r.completion ?? '')?.[1];
      const correct = extracted === '2' || extracted === '3';
      return { correct, extracted, reason: correct ? ('match' as const) : ('mismatch' as const), verifierVersion: 'ignored' };
    });
    expect(await l.regrade(grade, 'v2')).toEqual({ regraded: 3, changed: 2, unchanged: 0 });
    const reopened = await SampleLedger.open(dir);
    expect(reopened.records().every((r) => r.grade.correct && r.grade.verifierVersion === 'v2' && r.regradedFrom === 'v1')).toBe(true);
    expect(readdirSync(dir)).toEqual(['s1.jsonl']); // no tmp file left behind
    expect(readFileSync(path.join(dir, 's1.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    grade.mockClear();
    expect(await reopened.regrade(grade, 'v2')).toEqual({ regraded: 0, changed: 0, unchanged: 3 });
    expect(grade).not.toHaveBeenCalled();
  });
});
