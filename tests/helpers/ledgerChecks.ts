import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { EstimateRow } from '../../activities/estimation';
import type { RoundInput } from '../../lib/campaign/types';
import Database from 'better-sqlite3';
import { Client as PgClient } from 'pg';
import { keyString, ledgerDatabasePath, type Ledger, type SampleRecord } from '../../lib/ledger';
import { roundWorkflowId } from '../../workflows/round';

/** What the crash and resume tests read back from a campaign's run store and history. */

export function ledgerDir(campaignDir: string): string {
  return path.join(campaignDir, 'ledger');
}

/** Records in the ledger written by shards whose label starts with `prefix` (e.g. `estimate-r1-`). */
export function ledgerLines(campaignDir: string, prefix = ''): number {
  const file = ledgerDatabasePath(ledgerDir(campaignDir));
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, timeout: 10_000 });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM samples WHERE substr(writer, 1, ?) = ?').get(prefix.length, prefix) as { n: number }).n;
  } catch {
    return 0; // the schema is being created
  } finally {
    db.close();
  }
}

/** Every ledger record by key, as the exact JSON stored (so "unchanged" means byte for byte). */
export function ledgerRecordsByKey(campaignDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const file = ledgerDatabasePath(ledgerDir(campaignDir));
  if (!existsSync(file)) return out;
  const db = new Database(file, { readonly: true, timeout: 10_000 });
  try {
    for (const row of db.prepare('SELECT record FROM samples ORDER BY id').iterate() as IterableIterator<{ record: string }>)
      out.set(keyString(JSON.parse(row.record) as SampleRecord), row.record);
  } finally {
    db.close();
  }
  return out;
}

/**
 * The same, from wherever the campaign's ledger is: PostgreSQL when STRAWBERRY_LEDGER names one (as for the
 * workers of the test), else the SQLite database in the run store.
 */
export async function ledgerRecordsByKeyOf(campaignDir: string, campaign: string): Promise<Map<string, string>> {
  const url = process.env.STRAWBERRY_LEDGER;
  if (!url?.startsWith('postgres')) return ledgerRecordsByKey(campaignDir);
  const out = new Map<string, string>();
  const c = new PgClient({ connectionString: url });
  await c.connect();
  try {
    // The JSON text as stored, so "unchanged" means byte for byte here too.
    const rows = await c.query<{ record: string }>('SELECT record::text AS record FROM ledger_samples WHERE campaign = $1 ORDER BY id', [campaign]);
    for (const row of rows.rows) {
      const key = keyString(JSON.parse(row.record) as SampleRecord);
      if (out.has(key)) throw new Error(`ledger of ${campaign}: key ${key} twice`);
      out.set(key, row.record);
    }
  } finally {
    await c.end();
  }
  return out;
}

/** The estimate shard files a round has written (`round-<n>/estimates/shard-*.jsonl`). */
export function estimateShardFiles(campaignDir: string, round: number): string[] {
  const dir = path.join(campaignDir, `round-${round}`, 'estimates');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^shard-\d+\.jsonl$/.test(f))
    .map((f) => path.join(dir, f));
}

export function estimateRows(campaignDir: string, round: number): EstimateRow[] {
  return estimateShardFiles(campaignDir, round).flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as EstimateRow),
  );
}

/** The input a round workflow was started with (first event of its history). */
export async function roundInputOf(client: Client, campaign: string, round: number): Promise<RoundInput> {
  const history = await client.workflow.getHandle(roundWorkflowId(campaign, round)).fetchHistory();
  const data = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!;
  return JSON.parse(Buffer.from(data).toString('utf8')) as RoundInput;
}

export interface EstimateCoverage {
  /** `<problemId> <model>: <what is wrong>` for every problem whose estimate samples are not as the rounds say. */
  problems: string[];
  /** Problems checked. */
  checked: number;
}

/**
 * For every problem the rounds estimated, with each round's model: the ledger's `estimate` records of one
 * sampling-params hash form a contiguous prefix 0..m-1 (no index twice: nothing paid twice), one hash per round
 * that estimated it, m = that round's `samples`. Each round draws with its own seed (`round-sampling-seed`), so
 * two rounds with the same model (after a rejected round) hold two prefixes under two hashes; a round whose
 * samples were redrawn under another hash (e.g. by a worker that computed it differently) shows up as an extra one.
 */
export async function checkEstimateCoverage(ledger: Ledger, rounds: { model: string; rows: EstimateRow[] }[]): Promise<EstimateCoverage> {
  const expected = new Map<string, { problemId: string; model: string; samples: number[] }>();
  for (const { model, rows } of rounds) {
    for (const r of rows) {
      const k = JSON.stringify([r.problemId, model]);
      const entry = expected.get(k) ?? { problemId: r.problemId, model, samples: [] };
      entry.samples.push(r.estimate.samples);
      expected.set(k, entry);
    }
  }
  const problems: string[] = [];
  for (const { problemId, model, samples } of expected.values()) {
    const byHash = new Map<string, number[]>();
    for await (const r of ledger.records({ problemId, model, purpose: 'estimate' })) {
      const indices = byHash.get(r.samplingParamsHash) ?? [];
      indices.push(r.sampleIndex);
      byHash.set(r.samplingParamsHash, indices);
    }
    if (byHash.size !== samples.length) problems.push(`${problemId} ${model}: ${byHash.size} sampling-params hashes for ${samples.length} round(s)`);
    for (const [hash, indices] of byHash) {
      indices.sort((a, b) => a - b);
      if (indices.some((x, i) => x !== i)) problems.push(`${problemId} ${model} ${hash}: ledger indices [${indices.join(',')}] are not 0..${indices.length - 1}`);
    }
    const sizes = [...byHash.values()].map((v) => v.length).sort((a, b) => a - b);
    const want = [...samples].sort((a, b) => a - b);
    if (JSON.stringify(sizes) !== JSON.stringify(want)) problems.push(`${problemId} ${model}: ${JSON.stringify(sizes)} samples per hash, the rounds' estimates say ${JSON.stringify(want)}`);
  }
  return { problems, checked: expected.size };
}
