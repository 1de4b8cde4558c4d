import { existsSync, readdirSync } from 'node:fs';
import { ledgerDatabasePath, sqliteLedgerUsage } from '../ledger/sampleLedger';
import { PostgresLedger } from '../ledger/postgresLedger';
import { campaignLedgerLocation } from '../storage/ledgerLocation';
import { iterJsonl } from '../jsonl';
import type { PairStats } from '../datasets/pairStats';
import { costOf, deploymentCost, deploymentSeconds, priceOf, trainingCost } from '../budget/cost';
import { completedRounds, readCampaignConfig } from '../campaign/resume';
import type { ResolvedCampaignConfig } from '../config/load';
import type { LevelAccuracy, RoundSummary } from '../campaign/types';
import { ModelRegistry, type ModelEntry } from '../registry';
import { DirectoryRunStore, roundDir, type RunStore } from '../store';
import { readFinalEvaluations, type FinalEvaluations } from './finalEvaluation';

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
  dataset?: { new: number; replayed: number; examples: number; dropped: Record<string, number>; keptPerLevel?: Record<string, number>; pairs?: PairStats };
  /** Preference pairs of the round (`fineTune.method` dpo or sft-then-dpo): made, per problem, length difference, drops. */
  pairs?: PairStats;
  /** By phase (the ledger's purpose: estimate, trace, eval, ...) and model. */
  tokens: { phase: string; model: string; promptTokens: number; completionTokens: number; samples: number; cost?: number }[];
  /** Fine-tune jobs that succeeded in this round: trained tokens as the provider reported them, priced. */
  training?: TrainingUsage[];
  /** Deployments of the models this round trained: running time (up to now while live), priced. */
  deployments?: DeploymentUsage[];
  /** Priced chat tokens, training and deployments of the round (undefined without a price table). */
  cost?: number;
  summary: RoundSummary;
}

export interface CampaignReport {
  name: string;
  runStore: string;
  generatedAt: string;
  /** Held-out accuracy of the base model (round 0), when recorded. */
  baseEvaluation?: LevelAccuracy;
  /** The final evaluation (every level; base, final model, references): round 0's and the end's, as far as they ran. */
  finalEvaluation?: FinalEvaluations;
  /** Chat tokens of the final evaluation (round 0 and the end: it belongs to no round), in the totals. */
  evaluationTokens?: RoundReport['tokens'];
  rounds: RoundReport[];
  /** Registry entries as stored: optional fields added later (e.g. promotion intervals) pass through. */
  models: (ModelEntry & Record<string, unknown>)[];
  totals: TokenUsage & { cost?: number; trainedTokens?: number; trainingCost?: number; deploymentSeconds?: number; deploymentCost?: number };
}

/**
 * `<campaign>/round-<n>/fine-tune-a<attempt>/training.json`, written when a job succeeds; `sft-then-dpo` adds
 * `training-dpo.json` for the round's second job.
 */
export interface TrainingRecord {
  jobId: string;
  model: string;
  /** The catalog model the campaign trains: the training price is looked up by it, then by `model`, then `*`. */
  baseModel?: string;
  /** The provider name (the price table's key). */
  provider: string;
  attempt: number;
  /** What the job trained (absent: sft, as records before preference fine-tuning). */
  method?: 'sft' | 'dpo';
  trainedTokens?: number;
  /** The provider's own price figure, in its unit (Together `total_price`). */
  providerPrice?: number;
}

export type TrainingUsage = TrainingRecord & { cost?: number };

export interface DeploymentUsage {
  model: string;
  id: string;
  provider: string;
  seconds: number;
  live: boolean;
  cost?: number;
}

/** Training records of a round, oldest attempt first. */
export async function trainingUsage(store: RunStore, name: string, round: number, config: ResolvedCampaignConfig | undefined): Promise<TrainingUsage[]> {
  const dir = roundDir(name, round);
  const out: { rec: TrainingUsage; dpo: boolean }[] = [];
  for (const rel of await store.list(`${dir}/`)) {
    const m = /^fine-tune-a\d+\/training(-dpo)?\.json$/.exec(rel.slice(dir.length + 1));
    if (!m) continue;
    const rec = await store.readJson<TrainingRecord>(rel);
    // From the price table when the provider reports trained tokens; else the provider's own figure (Fireworks
    // reports an estimated cost, not tokens).
    const cost = (config?.prices ? trainingCost(rec.trainedTokens, priceOf(config, rec.provider, rec.baseModel ?? rec.model) ?? priceOf(config, rec.provider, rec.model)) : undefined) ?? rec.providerPrice;
    out.push({ rec: cost === undefined ? rec : { ...rec, cost }, dpo: m[1] !== undefined });
  }
  // Oldest attempt first; within an attempt the SFT job before its DPO stage.
  return out.sort((a, b) => a.rec.attempt - b.rec.attempt || Number(a.dpo) - Number(b.dpo)).map((t) => t.rec);
}

/** dataset-stats.json of a round, and its preference pairs lifted out for reports. */
async function datasetStats(store: RunStore, name: string, round: number): Promise<Pick<RoundReport, 'dataset' | 'pairs'>> {
  const dataset = await readOptional<NonNullable<RoundReport['dataset']>>(store, `${roundDir(name, round)}/dataset-stats.json`);
  return { dataset, ...(dataset?.pairs ? { pairs: dataset.pairs } : {}) };
}

/** Deployments of the registry's models, by the round that trained each model. */
export function deploymentUsage(models: readonly ModelEntry[], config: ResolvedCampaignConfig | undefined, now: Date = new Date()): Map<number, DeploymentUsage[]> {
  const byRound = new Map<number, DeploymentUsage[]>();
  for (const m of models) {
    const d = m.deployment;
    if (!d) continue;
    const seconds = deploymentSeconds(d, now);
    const price = config?.prices ? deploymentPrice(config, d.provider, m.modelId, d.servedModel) : undefined;
    const cost = deploymentCost(seconds, price);
    const row: DeploymentUsage = { model: m.modelId, id: d.id, provider: d.provider, seconds, live: !d.deletedAt };
    if (cost !== undefined) row.cost = cost;
    byRound.set(m.round, [...(byRound.get(m.round) ?? []), row]);
  }
  return byRound;
}

/**
 * A deployment records its provider's kind (`together`, `fireworks`); prices are keyed by provider name. The
 * fine-tune provider (which deploys what it trained) comes first, then any provider of that kind.
 */
function deploymentPrice(config: ResolvedCampaignConfig, kind: string, model: string, servedModel: string) {
  const ftName = config.fineTune?.provider ?? config.student?.provider;
  const names = [kind, ...(ftName ? [ftName] : []), ...Object.keys(config.providers ?? {})].filter(
    (n, i, all) => all.indexOf(n) === i && (n === kind || (config.providers?.[n] as { kind?: string } | undefined)?.kind === kind),
  );
  for (const name of names) {
    const price = priceOf(config, name, model) ?? priceOf(config, name, servedModel);
    if (price?.deploymentPerHour !== undefined) return price;
  }
  return undefined;
}

/** Chat tokens, training and deployments priced, per round: what the budget counts as spent. */
export async function spentByRound(store: RunStore, name: string, config: ResolvedCampaignConfig | undefined): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const add = (round: number, cost: number | undefined) => out.set(round, (out.get(round) ?? 0) + (cost ?? 0));
  for (const [round, rows] of await ledgerUsage(store, name)) add(round, priceRows(config, rows));
  const deployments = deploymentUsage((await ModelRegistry.load(store, name)).entries(), config);
  for (const [round, rows] of deployments) for (const d of rows) add(round, d.cost);
  const rounds = new Set([...out.keys(), ...deployments.keys()]);
  for (const rel of await store.list(`${name}/`)) {
    const m = /^round-(\d+)\//.exec(rel.slice(name.length + 1));
    if (m) rounds.add(Number(m[1]));
  }
  for (const round of rounds) for (const t of await trainingUsage(store, name, round, config)) add(round, t.cost);
  return out;
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

export async function ledgerUsage(store: RunStore, name: string): Promise<Map<number, RoundReport['tokens']>> {
  const location = await campaignLedgerLocation(store, name);
  const db = location.kind === 'sqlite' ? ledgerDatabasePath(location.dir) : undefined;
  // SQLite is read read-only (a worker may be writing; a report must not create a ledger); PostgreSQL sums server-side.
  const rows = location.kind === 'postgres' ? await (await PostgresLedger.open(location.url, name)).usage() : db && existsSync(db) ? sqliteLedgerUsage(db) : undefined;
  if (rows) {
    // Grouped by the writer that names the round.
    const byRound = new Map<number, Map<string, RoundReport['tokens'][number]>>();
    for (const r of rows) {
      const m = WRITER.exec(r.writer ?? '');
      if (!m) continue;
      const round = Number(m[2]);
      const perRound = byRound.get(round) ?? new Map();
      byRound.set(round, perRound);
      const key = `${r.purpose}\u0000${r.model}`;
      const row = perRound.get(key) ?? { phase: r.purpose, model: r.model, promptTokens: 0, completionTokens: 0, samples: 0 };
      row.promptTokens += r.promptTokens;
      row.completionTokens += r.completionTokens;
      row.samples += r.samples;
      perRound.set(key, row);
    }
    return new Map([...byRound].map(([round, rs]) => [round, [...rs.values()]]));
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
    type UsageLine = { purpose?: string; model?: string; usage?: { promptTokens?: number; completionTokens?: number } };
    // Lines that do not parse (a torn last line after a crash) are skipped, as before: the ledger's import reports them.
    for await (const rec of store.iterJsonl<UsageLine>({ uri: store.uriFor(rel) }, { onInvalidLine: () => {} })) {
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

async function readOptional<T>(store: RunStore, rel: string): Promise<T | undefined> {
  return (await store.exists(rel)) ? store.readJson<T>(rel) : undefined;
}

async function passRates(store: RunStore, name: string, round: number): Promise<RoundReport['passRates']> {
  const out: RoundReport['passRates'] = [];
  for (const rel of await store.list(`${roundDir(name, round)}/estimates/`)) {
    if (!rel.endsWith('.jsonl')) continue;
    for await (const row of store.iterJsonl<{ levelIndex: number; estimate: { pHat: number } }>({ uri: store.uriFor(rel) })) {
      out.push({ levelIndex: row.levelIndex, pHat: row.estimate.pHat });
    }
  }
  return out;
}

export async function campaignReport(store: RunStore, name: string): Promise<CampaignReport> {
  const files = await completedRounds(store, name);
  const config = await readCampaignConfig(store, name);
  const usage = await ledgerUsage(store, name);
  const rounds: RoundReport[] = [];
  const registry = await ModelRegistry.load(store, name);
  // Deployments are priced with the latest config (the last round's copy, else the campaign's).
  const deployments = deploymentUsage(registry.entries(), files.at(-1)?.config ?? config);
  for (const f of files) {
    const n = f.summary.round;
    const band = (f.config ?? config)?.band.band;
    const tokens = usage.get(n) ?? [];
    const cfg = f.config ?? config;
    const training = await trainingUsage(store, name, n, cfg);
    const deployed = deployments.get(n) ?? [];
    const chatCost = priceRows(cfg, tokens);
    rounds.push({
      cost: chatCost === undefined ? undefined : chatCost + [...training, ...deployed].reduce((s, t) => s + (t.cost ?? 0), 0),
      ...(training.length ? { training } : {}),
      ...(deployed.length ? { deployments: deployed } : {}),
      round: n,
      frontier: f.summary.frontier,
      band: band && { min: band.min, max: band.max },
      passRates: await passRates(store, name, n),
      ...(await datasetStats(store, name, n)),
      tokens,
      summary: f.summary,
    });
  }
  const models = registry.entries() as CampaignReport['models'];
  const base = models.find((m) => m.status === 'base');
  // Round 0 in the ledger's usage: the final evaluation (round 0 and the end).
  const evaluationTokens = usage.get(0) ?? [];
  const evaluationCost = priceRows(config, evaluationTokens);
  const all = [...evaluationTokens, ...rounds.flatMap((r) => r.tokens)];
  const finalEvaluation = await readFinalEvaluations(store, name);
  const costs = [...rounds.map((r) => r.cost), ...(evaluationTokens.length ? [evaluationCost] : [])];
  return {
    name,
    runStore: store instanceof DirectoryRunStore ? store.resolve(name) : store.uriFor(name),
    generatedAt: new Date().toISOString(),
    baseEvaluation: (files[0] as { base?: LevelAccuracy } | undefined)?.base ?? (base?.evaluation as LevelAccuracy | undefined),
    ...(finalEvaluation.base || finalEvaluation.final ? { finalEvaluation } : {}),
    ...(evaluationTokens.length ? { evaluationTokens } : {}),
    rounds,
    models,
    totals: {
      promptTokens: all.reduce((s, t) => s + t.promptTokens, 0),
      completionTokens: all.reduce((s, t) => s + t.completionTokens, 0),
      samples: all.reduce((s, t) => s + t.samples, 0),
      cost: costs.some((c) => c !== undefined) ? costs.reduce<number>((s, c) => s + (c ?? 0), 0) : undefined,
      ...sumOptional('trainedTokens', rounds.flatMap((r) => r.training ?? []).map((t) => t.trainedTokens)),
      ...sumOptional('trainingCost', rounds.flatMap((r) => r.training ?? []).map((t) => t.cost)),
      ...sumOptional('deploymentSeconds', rounds.flatMap((r) => r.deployments ?? []).map((d) => d.seconds)),
      ...sumOptional('deploymentCost', rounds.flatMap((r) => r.deployments ?? []).map((d) => d.cost)),
    },
  };
}

function sumOptional<K extends string>(key: K, values: (number | undefined)[]): Partial<Record<K, number>> {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? ({ [key]: present.reduce((a, b) => a + b, 0) } as Record<K, number>) : {};
}
