import { createReadStream, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ledgerDatabasePath } from '../ledger/sampleLedger';
import { createInterface } from 'node:readline';
import { costOf, priceOf } from '../budget/cost';
import { completedRounds, readCampaignConfig } from '../campaign/resume';
import type { ResolvedCampaignConfig } from '../config/load';
import type { LevelAccuracy, RoundSummary } from '../campaign/types';
import { ModelRegistry, type ModelEntry } from '../registry';
import { roundDir, type DirectoryRunStore } from '../store';

/**
 * Everything `strawberry report` shows about a campaign, read from its run store alone (no server): per round
 * the pass-rate estimates and the band, the dataset's composition, token usage by phase and model, the
 * held-out evaluation; and the model lineage with its promotion decisions. `report --json` prints this object.
 */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  samples: number;
}

export interface RoundReport {
  round: number;
  frontier: number;
  band?: { min: number; max: number };
  /** One per estimated problem. */
  passRates: { levelIndex: number; pHat: number }[];
  dataset?: { new: number; replayed: number; examples: number; dropped: Record<string, number> };
  /** By phase (the ledger's purpose: estimate, trace, eval, ...) and model. */
  tokens: { phase: string; model: string; promptTokens: number; completionTokens: number; samples: number; cost?: number }[];
  /** Priced chat tokens of the round (undefined without a price table). */
  cost?: number;
  summary: RoundSummary;
}

export interface CampaignReport {
  name: string;
  runStore: string;
  generatedAt: string;
  /** Held-out accuracy of the base model (round 0), when recorded. */
  baseEvaluation?: LevelAccuracy;
  rounds: RoundReport[];
  /** Registry entries as stored: optional fields added later (e.g. promotion intervals) pass through. */
  models: (ModelEntry & Record<string, unknown>)[];
  totals: TokenUsage & { cost?: number };
}

/** Prices the rows with the config's table (the student's provider serves every sample in the ledger). */
export function priceRows(config: ResolvedCampaignConfig | undefined, rows: RoundReport['tokens']): number | undefined {
  if (!config?.prices) return undefined;
  let total = 0;
  for (const row of rows) {
    row.cost = costOf(row, priceOf(config, config.student.provider, row.model));
    total += row.cost ?? 0;
  }
  return total;
}

/** `<purpose>-r<round>[-s<shard>].jsonl`: the ledger shard files of activities/deps.ts openLedger. */
const LEDGER_FILE = /^ledger\/([a-z-]+?)-r(\d+)(?:-[a-z0-9-]+)?\.jsonl$/;

/** Writer labels of the indexed ledger: `<purpose>-r<round>[-<shard>]`. */
const WRITER = /^([a-z-]+?)-r(\d+)(?:-[a-z0-9-]+)?$/;

export async function ledgerUsage(store: DirectoryRunStore, name: string): Promise<Map<number, RoundReport['tokens']>> {
  const db = ledgerDatabasePath(store.resolve(`${name}/ledger`));
  if (existsSync(db)) {
    // Summed in SQLite (read-only: a worker may be writing), grouped by the writer that names the round.
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const rows = conn
        .prepare(
          `SELECT writer, purpose, model, COUNT(*) AS samples,
                  COALESCE(SUM(json_extract(record, '$.usage.promptTokens')), 0) AS prompt,
                  COALESCE(SUM(json_extract(record, '$.usage.completionTokens')), 0) AS completion
             FROM samples GROUP BY writer, purpose, model`,
        )
        .all() as { writer: string | null; purpose: string; model: string; samples: number; prompt: number; completion: number }[];
      const byRound = new Map<number, Map<string, RoundReport['tokens'][number]>>();
      for (const r of rows) {
        const m = WRITER.exec(r.writer ?? '');
        if (!m) continue;
        const round = Number(m[2]);
        const perRound = byRound.get(round) ?? new Map();
        byRound.set(round, perRound);
        const key = `${r.purpose}\u0000${r.model}`;
        const row = perRound.get(key) ?? { phase: r.purpose, model: r.model, promptTokens: 0, completionTokens: 0, samples: 0 };
        row.promptTokens += r.prompt;
        row.completionTokens += r.completion;
        row.samples += r.samples;
        perRound.set(key, row);
      }
      return new Map([...byRound].map(([round, rs]) => [round, [...rs.values()]]));
    } finally {
      conn.close();
    }
  }
  // Run stores written before the indexed ledger: one JSONL file per writer.
  const byRound = new Map<number, Map<string, RoundReport['tokens'][number]>>();
  const prefix = `${name}/`;
  for (const rel of await store.list(`${name}/ledger/`)) {
    const m = LEDGER_FILE.exec(rel.slice(prefix.length));
    if (!m) continue;
    const round = Number(m[2]);
    const fallbackPhase = m[1]!;
    const rows = byRound.get(round) ?? new Map();
    byRound.set(round, rows);
    const lines = createInterface({ input: createReadStream(store.resolve(rel)), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      let rec: { purpose?: string; model?: string; usage?: { promptTokens?: number; completionTokens?: number } };
      try {
        rec = JSON.parse(line);
      } catch {
        continue; // a torn last line after a crash
      }
      const phase = rec.purpose ?? fallbackPhase;
      const model = rec.model ?? '?';
      const key = `${phase}\u0000${model}`;
      const row = rows.get(key) ?? { phase, model, promptTokens: 0, completionTokens: 0, samples: 0 };
      row.promptTokens += rec.usage?.promptTokens ?? 0;
      row.completionTokens += rec.usage?.completionTokens ?? 0;
      row.samples += 1;
      rows.set(key, row);
    }
  }
  return new Map([...byRound].map(([r, rows]) => [r, [...rows.values()]]));
}

async function readOptional<T>(store: DirectoryRunStore, rel: string): Promise<T | undefined> {
  return (await store.exists(rel)) ? store.readJson<T>(rel) : undefined;
}

async function passRates(store: DirectoryRunStore, name: string, round: number): Promise<RoundReport['passRates']> {
  const out: RoundReport['passRates'] = [];
  for (const rel of await store.list(`${roundDir(name, round)}/estimates/`)) {
    if (!rel.endsWith('.jsonl')) continue;
    const text = (await store.read(rel)).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as { levelIndex: number; estimate: { pHat: number } };
      out.push({ levelIndex: row.levelIndex, pHat: row.estimate.pHat });
    }
  }
  return out;
}

export async function campaignReport(store: DirectoryRunStore, name: string): Promise<CampaignReport> {
  const files = await completedRounds(store, name);
  const config = await readCampaignConfig(store, name);
  const usage = await ledgerUsage(store, name);
  const rounds: RoundReport[] = [];
  for (const f of files) {
    const n = f.summary.round;
    const band = (f.config ?? config)?.band.band;
    const tokens = usage.get(n) ?? [];
    rounds.push({
      cost: priceRows(f.config ?? config, tokens),
      round: n,
      frontier: f.summary.frontier,
      band: band && { min: band.min, max: band.max },
      passRates: await passRates(store, name, n),
      dataset: await readOptional(store, `${roundDir(name, n)}/dataset-stats.json`),
      tokens,
      summary: f.summary,
    });
  }
  const registry = await ModelRegistry.load(store, name);
  const models = registry.entries() as CampaignReport['models'];
  const base = models.find((m) => m.status === 'base');
  const all = rounds.flatMap((r) => r.tokens);
  return {
    name,
    runStore: store.resolve(name),
    generatedAt: new Date().toISOString(),
    baseEvaluation: (files[0] as { base?: LevelAccuracy } | undefined)?.base ?? (base?.evaluation as LevelAccuracy | undefined),
    rounds,
    models,
    totals: {
      promptTokens: all.reduce((s, t) => s + t.promptTokens, 0),
      completionTokens: all.reduce((s, t) => s + t.completionTokens, 0),
      samples: all.reduce((s, t) => s + t.samples, 0),
      cost: rounds.some((r) => r.cost !== undefined) ? rounds.reduce((s, r) => s + (r.cost ?? 0), 0) : undefined,
    },
  };
}
