import type { Pool, PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import { redactUrl } from '../storage/ledgerUrl';
import { postgresPool } from '../storage/postgres';
import { GroupCommit, withPending, type CommitRow } from './groupCommit';
import { keyString, type SampleKey } from './key';
import { missingIndices, roundOfWriter, viewOf, type AppendResult, type Ledger, type LedgerUsageRow, type LedgerView, type RecordFilter, type RegradeResult } from './ledger';
import type { NewSampleRecord, SampleGrade, SampleRecord } from './record';

/** Rows per INSERT statement (each a handful of arrays, whatever the row count) and per page of a regrade. */
const INSERT_CHUNK = 5000;
const REGRADE_PAGE = 500;

const KEY_COLUMNS = 'campaign, problem_id, model, params_hash, purpose, sample_index';

const INSERT = `
  INSERT INTO ledger_samples (${KEY_COLUMNS}, correct, verifier_version, writer, round, prompt_tokens, completion_tokens, record)
  SELECT $1::text, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bool[], $8::text[], $9::text[], $10::int[], $11::int[], $12::int[], $13::json[])
  ON CONFLICT (${KEY_COLUMNS}) DO NOTHING
  RETURNING problem_id, model, params_hash, purpose, sample_index`;

const COLUMNS: Record<keyof SampleKey, string> = {
  problemId: 'problem_id',
  model: 'model',
  samplingParamsHash: 'params_hash',
  purpose: 'purpose',
  sampleIndex: 'sample_index',
};

/**
 * The sample ledger in PostgreSQL: one table for many campaigns (a campaign column), UNIQUE by campaign and sample
 * key, so workers on any number of hosts append to it and a key is written once whoever races for it
 * (`INSERT ... ON CONFLICT DO NOTHING`). Appends of one event-loop turn go out as one multi-row INSERT (arrays
 * unnested server-side), sorted by key so concurrent writers take their locks in one order and never deadlock.
 * Reads are indexed point and prefix queries; `records` streams through a cursor (pg-query-stream).
 */
export class PostgresLedger implements Ledger {
  private readonly commits: GroupCommit;

  private constructor(
    private readonly pool: Pool,
    private readonly url: string,
    readonly campaign: string,
    readonly writer: string,
  ) {
    this.commits = new GroupCommit((rows) => this.insert(rows));
  }

  /** Opens the ledger of `campaign` in the database at `url` (migrating its schema at the first open of the process). */
  static async open(url: string, campaign: string, options: { shard?: string } = {}): Promise<PostgresLedger> {
    if (!campaign) throw new Error('ledger: a campaign name is required');
    return new PostgresLedger(await postgresPool(url), url, campaign, options.shard ?? 'main');
  }

  get location(): string {
    return `${redactUrl(this.url)} (campaign ${this.campaign})`;
  }

  private async insert(rows: CommitRow[]): Promise<boolean[]> {
    const order = rows.map((_, i) => i).sort((a, b) => compareKeys(rows[a]!.record, rows[b]!.record));
    const inserted = new Set<string>();
    for (let at = 0; at < order.length; at += INSERT_CHUNK) {
      const chunk = order.slice(at, at + INSERT_CHUNK).map((i) => rows[i]!);
      const cols: unknown[][] = Array.from({ length: 12 }, () => new Array(chunk.length));
      chunk.forEach(({ record: r, writer }, i) => {
        cols[0]![i] = r.problemId;
        cols[1]![i] = r.model;
        cols[2]![i] = r.samplingParamsHash;
        cols[3]![i] = r.purpose;
        cols[4]![i] = r.sampleIndex;
        cols[5]![i] = r.grade.correct;
        cols[6]![i] = r.grade.verifierVersion ?? null;
        cols[7]![i] = writer;
        cols[8]![i] = roundOfWriter(writer);
        cols[9]![i] = Math.trunc(r.usage?.promptTokens ?? 0);
        cols[10]![i] = Math.trunc(r.usage?.completionTokens ?? 0);
        cols[11]![i] = JSON.stringify(r);
      });
      const res = await this.pool.query<{ problem_id: string; model: string; params_hash: string; purpose: string; sample_index: number }>(INSERT, [this.campaign, ...cols]);
      for (const k of res.rows) inserted.add(keyString({ problemId: k.problem_id, model: k.model, samplingParamsHash: k.params_hash, purpose: k.purpose, sampleIndex: k.sample_index }));
    }
    return rows.map(({ record }) => inserted.has(keyString(record)));
  }

  async get(key: SampleKey): Promise<SampleRecord | undefined> {
    const p = this.commits.pending(key);
    if (p) return p;
    const res = await this.pool.query<{ record: SampleRecord }>({
      name: 'ledger-get',
      text: 'SELECT record FROM ledger_samples WHERE campaign = $1 AND problem_id = $2 AND model = $3 AND params_hash = $4 AND purpose = $5 AND sample_index = $6',
      values: [this.campaign, key.problemId, key.model, key.samplingParamsHash, key.purpose, key.sampleIndex],
    });
    return res.rows[0]?.record;
  }

  async has(key: SampleKey): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async recordsOf(base: Omit<SampleKey, 'sampleIndex'>, below: number): Promise<SampleRecord[]> {
    const res = await this.pool.query<{ record: SampleRecord }>({
      name: 'ledger-prefix',
      text: 'SELECT record FROM ledger_samples WHERE campaign = $1 AND problem_id = $2 AND model = $3 AND params_hash = $4 AND purpose = $5 AND sample_index < $6 ORDER BY sample_index',
      values: [this.campaign, base.problemId, base.model, base.samplingParamsHash, base.purpose, below],
    });
    return withPending(
      res.rows.map((r) => r.record),
      this.commits.pendingOf(base),
      below,
    );
  }

  async missing(base: Omit<SampleKey, 'sampleIndex'>, count: number): Promise<number[]> {
    return missingIndices(await this.recordsOf(base, count), count);
  }

  append(records: readonly NewSampleRecord[], writer: string = this.writer): Promise<AppendResult> {
    return this.commits.append(records, writer);
  }

  /** Streams records in insertion order (the rows of one group commit by key) through a server-side cursor, a batch at a time. */
  async *records(filter: RecordFilter = {}): AsyncGenerator<SampleRecord> {
    const { where, writerPrefix, ...eq } = filter;
    const conds = ['campaign = $1'];
    const params: (string | number)[] = [this.campaign];
    for (const [f, v] of Object.entries(eq) as [keyof SampleKey, string | number | undefined][]) {
      if (v === undefined) continue;
      params.push(v);
      conds.push(`${COLUMNS[f]} = $${params.length}`);
    }
    if (writerPrefix !== undefined) {
      params.push(writerPrefix);
      conds.push(`starts_with(writer, $${params.length})`);
    }
    const client: PoolClient = await this.pool.connect();
    let finished = false;
    try {
      const stream = client.query(new QueryStream(`SELECT record FROM ledger_samples WHERE ${conds.join(' AND ')} ORDER BY id`, params, { batchSize: 500 }));
      for await (const row of stream as AsyncIterable<{ record: SampleRecord }>) if (!where || where(row.record)) yield row.record;
      finished = true;
    } finally {
      // A cursor left open (the consumer stopped early, or an error) takes its connection with it.
      client.release(!finished);
    }
  }

  async regrade(gradeFn: (r: SampleRecord) => SampleGrade | undefined | Promise<SampleGrade | undefined>, newVersion: string): Promise<RegradeResult> {
    const result: RegradeResult = { regraded: 0, changed: 0, unchanged: 0 };
    const held = await this.pool.query<{ n: number }>('SELECT count(*)::float8 AS n FROM ledger_samples WHERE campaign = $1 AND verifier_version IS NOT DISTINCT FROM $2', [this.campaign, newVersion]);
    result.unchanged += held.rows[0]!.n;
    for (let after = '0'; ; ) {
      const page = await this.pool.query<{ id: string; record: SampleRecord }>(
        `SELECT id::text AS id, record FROM ledger_samples WHERE campaign = $1 AND id > $2 AND verifier_version IS DISTINCT FROM $3 ORDER BY id LIMIT ${REGRADE_PAGE}`,
        [this.campaign, after, newVersion],
      );
      if (page.rows.length === 0) break;
      const ids: string[] = [];
      const records: string[] = [];
      const correct: boolean[] = [];
      for (const row of page.rows) {
        after = row.id;
        const r = row.record;
        const g = await gradeFn(r);
        if (!g) {
          result.unchanged++;
          continue;
        }
        const updated: SampleRecord = { ...r, grade: { ...g, verifierVersion: newVersion }, regradedFrom: r.grade.verifierVersion };
        if (updated.grade.correct !== r.grade.correct) result.changed++;
        result.regraded++;
        ids.push(row.id);
        records.push(JSON.stringify(updated));
        correct.push(updated.grade.correct);
      }
      if (ids.length > 0) {
        await this.pool.query(
          `UPDATE ledger_samples AS s SET record = v.record, correct = v.correct, verifier_version = $2
             FROM unnest($3::bigint[], $4::json[], $5::bool[]) AS v(id, record, correct) WHERE s.id = v.id AND s.campaign = $1`,
          [this.campaign, newVersion, ids, records, correct],
        );
      }
    }
    return result;
  }

  async usage(): Promise<LedgerUsageRow[]> {
    const res = await this.pool.query<LedgerUsageRow>(
      `SELECT writer, purpose, model, count(*)::float8 AS samples,
              COALESCE(sum(prompt_tokens), 0)::float8 AS "promptTokens", COALESCE(sum(completion_tokens), 0)::float8 AS "completionTokens"
         FROM ledger_samples WHERE campaign = $1 GROUP BY writer, purpose, model`,
      [this.campaign],
    );
    return res.rows;
  }

  async count(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT count(*)::float8 AS n FROM ledger_samples WHERE campaign = $1', [this.campaign])).rows[0]!.n;
  }

  view(writer: string): LedgerView {
    return viewOf(this, writer);
  }

  /** Waits for appends in flight (the pool is shared by the process: lib/storage/postgres.ts closes it). */
  async close(): Promise<void> {
    await this.commits.drain();
  }
}

function compareKeys(a: SampleKey, b: SampleKey): number {
  return cmp(a.problemId, b.problemId) || cmp(a.model, b.model) || cmp(a.samplingParamsHash, b.samplingParamsHash) || cmp(a.purpose, b.purpose) || a.sampleIndex - b.sampleIndex;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
