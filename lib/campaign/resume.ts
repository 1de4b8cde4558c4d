import type { ResolvedCampaignConfig } from '../config/load';
import { UserError } from '../errors';
import { assertSegment, type RunStore } from '../store';
import { campaignConfigPath, loadStoredConfig } from '../config/configStore';

export { campaignConfigPath };
import type { SkillState } from './skills';
import type { CampaignStart, RoundSummary } from './types';
import { ModelRegistry } from '../registry';

/**
 * `strawberry resume`: the campaign's input rebuilt from the run store alone, so a campaign whose workflow
 * failed, was cancelled or terminated starts again after its last completed round. The config is the
 * write-once copy `start` left in `<campaign>/config.json` (or one given explicitly); the state comes from
 * the `summary.json` every completed round writes. The sample ledger then makes already-drawn samples free.
 */


/** What a completed round leaves in `<campaign>/round-<n>/summary.json` (activities/conclude.ts). */
export interface RoundSummaryFile {
  status: 'completed';
  summary: RoundSummary;
  nextFrontier: number;
  currentModel: string;
  mastered: boolean;
  levelCount: number;
  /** The stored config version the round ran with: the start config plus any `configure` changes made before it. */
  configHash?: string;
  /** That config (shape-1 rounds wrote it whole; `completedRounds` loads it by `configHash` for later ones). */
  config?: ResolvedCampaignConfig;
  /** Per-skill mode: the skills' states after the round (absent: one frontier). */
  skillStates?: SkillState[];
}

const SUMMARY_FILE = /^round-(\d+)\/summary\.json$/;

/** The completed rounds of a campaign, oldest first. */
export async function completedRounds(store: RunStore, campaign: string): Promise<RoundSummaryFile[]> {
  assertSegment(campaign, 'campaign name');
  const prefix = `${campaign}/`;
  const rounds: { n: number; rel: string }[] = [];
  for (const rel of await store.list(prefix)) {
    const m = SUMMARY_FILE.exec(rel.slice(prefix.length));
    if (m) rounds.push({ n: Number(m[1]), rel });
  }
  rounds.sort((a, b) => a.n - b.n);
  const out: RoundSummaryFile[] = [];
  for (const { n, rel } of rounds) {
    const file = await store.readJson<Partial<RoundSummaryFile>>(rel);
    const bad = (what: string) => new UserError(`${rel}: not a round summary (${what})`);
    if (!file || file.status !== 'completed') throw bad('expected "status": "completed"');
    if (!file.summary || file.summary.round !== n) throw bad(`expected summary.round = ${n}`);
    if (typeof file.nextFrontier !== 'number' || typeof file.currentModel !== 'string' || typeof file.levelCount !== 'number') {
      throw bad('expected nextFrontier, currentModel and levelCount');
    }
    if (file.configHash && !file.config) file.config = await loadStoredConfig(store, campaign, file.configHash).catch(() => undefined);
    out.push(file as RoundSummaryFile);
  }
  return out;
}

export async function readCampaignConfig(store: RunStore, campaign: string): Promise<ResolvedCampaignConfig | undefined> {
  const rel = campaignConfigPath(campaign);
  if (!(await store.exists(rel))) return undefined;
  const config = await store.readJson<ResolvedCampaignConfig>(rel);
  if (!config || typeof config !== 'object' || config.name !== campaign || !config.providers || !config.student) {
    throw new UserError(`${rel}: not the config of campaign "${campaign}"`);
  }
  return config;
}

/**
 * The input that continues `campaign` after its last completed round: round = last + 1, frontier, current
 * model and level count from that round, the trailing run of rounds without promotion.
 * With no completed round the input has no state: the campaign starts from round 1 (the ledger still holds
 * the samples drawn so far). `config` (from `--config`) replaces the stored copy; its name becomes `campaign`.
 */
export async function buildResumeInput(store: RunStore, campaign: string, config?: ResolvedCampaignConfig): Promise<CampaignStart> {
  const resolved = config ? { ...config, name: campaign } : await readCampaignConfig(store, campaign);
  if (!resolved) {
    throw new UserError(`${campaignConfigPath(campaign)} is not in the run store: pass the campaign's config with --config <file> (or set STRAWBERRY_RUNS_DIR to the store the campaign used)`);
  }
  const rounds = await completedRounds(store, campaign);
  const last = rounds.at(-1);
  if (!last) return { config: resolved };
  // Tunables changed with `configure` live in the config the last round ran with; an explicit --config wins.
  const current = !config && last.config?.name === campaign ? last.config : resolved;

  let roundsWithoutPromotion = 0;
  for (let i = rounds.length - 1; i >= 0 && !rounds[i]!.summary.promoted; i--) roundsWithoutPromotion++;
  const state: NonNullable<CampaignStart['state']> = {
    round: last.summary.round + 1,
    frontier: last.nextFrontier,
    levelCount: last.levelCount,
    baseModel: resolved.student.baseModel,
    currentModel: last.currentModel,
    roundsWithoutPromotion,
    attempt: 1,
    paused: false,
    ...(last.skillStates ? { skills: last.skillStates } : {}),
  };
  // A current model served by a deployment that still runs is sampled through it again.
  const deployment = (await ModelRegistry.load(store, campaign)).get(last.currentModel)?.deployment;
  if (deployment && !deployment.deletedAt) state.currentServedModel = deployment.servedModel;
  return { config: current, state };
}
