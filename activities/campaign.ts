import { completedRounds } from '../lib/campaign/resume';
import { initialSkills, type SkillState } from '../lib/campaign/skills';
import { campaignSettings, type CampaignSettings } from '../lib/campaign/settings';
import type { RoundSummary } from '../lib/campaign/types';
import { assertConfigFitsCurriculum } from '../lib/config/curriculumFit';
import { providerFor } from '../lib/config/load';
import { storeConfig } from '../lib/config/configStore';
import { applyTunables, type Tunables } from '../lib/config/tunables';
import { UserError } from '../lib/errors';
import { ModelRegistry } from '../lib/registry';
import { configOf, curriculumAt, runStore } from './deps';

/** Rounds a campaign run shows in `status` and its memo (the registry and run store hold them all). */
const RECENT_ROUNDS = 20;

export interface OpenedCampaign {
  settings: CampaignSettings;
  /** Levels of the curriculum (first run only: later runs carry it). */
  levelCount?: number;
  /** The last completed rounds, newest last, without their promotion evidence (kept in the run store). */
  summaries: RoundSummary[];
  /** First run only: where the campaign starts. */
  initial?: { frontier: number; baseModel: string; currentModel: string; skills?: SkillState[] };
}

/**
 * Every run of a campaign workflow starts here: the settings the workflow reads from the stored config, and the
 * recent rounds for `status` and the memo (read from the run store, so continue-as-new carries none of them).
 * The first run also checks the config against the curriculum and registers the base model.
 */
export async function openCampaign({ campaign, configHash, first }: { campaign: string; configHash: string; first: boolean }): Promise<OpenedCampaign> {
  const config = await configOf({ campaign, configHash });
  const settings = campaignSettings(config);
  const summaries = (await completedRounds(runStore(), campaign)).slice(-RECENT_ROUNDS).map((r) => brief(r.summary));
  if (!first) return { settings, summaries };
  const curriculum = await curriculumAt(config.curriculumPath);
  await assertConfigFitsCurriculum(config, curriculum);
  const registry = await ModelRegistry.load(runStore(), campaign);
  await registry.registerBase({ modelId: config.student.baseModel, provider: providerFor(config, 'student').kind });
  const initial = { frontier: config.startLevel, baseModel: config.student.baseModel, currentModel: config.student.baseModel };
  // Per-skill mode: every skill starts at its first level from startLevel (lib/campaign/skills.ts).
  if (config.skills) return { settings, levelCount: curriculum.levels.length, summaries, initial: { ...initial, skills: initialSkills(curriculum.levels, config.startLevel) } };
  return { settings, levelCount: curriculum.levels.length, summaries, initial };
}

function brief(summary: RoundSummary): RoundSummary {
  const { promotion: _evidence, ...rest } = summary;
  return rest;
}

/** The `configure` update: a new stored config version with the tunables applied (never an edit in place). */
export async function reconfigure({ campaign, configHash, tunables }: { campaign: string; configHash: string; tunables: Tunables }): Promise<{ configHash: string; settings: CampaignSettings }> {
  let next;
  try {
    next = applyTunables(await configOf({ campaign, configHash }), tunables);
  } catch (err) {
    // Inconsistent with the stored config (the workflow's validator could not know it yet): not retryable.
    throw new UserError((err as Error).message);
  }
  return { configHash: await storeConfig(runStore(), next), settings: campaignSettings(next) };
}
