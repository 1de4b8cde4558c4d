import type { CampaignConfig } from '../config/schema';
import type { TaskQueueSettings } from './taskQueues';

/**
 * The few config values the workflows themselves read (stopping rules, fan-out, timeouts, poll intervals,
 * the band for the `configure` validator). Workflows carry these and the stored config's hash, never the
 * config: activities load the config they need from the run store by that hash (lib/config/configStore.ts).
 * Pure, so workflow code imports it.
 */
export interface CampaignSettings {
  maxRounds: number;
  maxRoundsWithoutPromotion: number;
  parallelShards: number;
  heartbeatTimeoutSeconds: number;
  fineTuneTimeoutHours: number;
  fineTunePollSeconds: number;
  servingTimeoutMinutes: number;
  servingPollSeconds: number;
  keepDeployments: boolean;
  /** A budget is set: each spending phase is checked first. */
  budget: boolean;
  /** Samples per problem planned for estimation and traces (the budget check's projections). */
  estimationK: number;
  tracesPerProblem: number;
  band: { min: number; max: number };
  /** Kinds of work on task queues of their own (absent: all on the campaign's queue). */
  taskQueues?: TaskQueueSettings;
}

export function campaignSettings(config: CampaignConfig): CampaignSettings {
  return {
    maxRounds: config.stopping.maxRounds,
    maxRoundsWithoutPromotion: config.stopping.maxRoundsWithoutPromotion,
    parallelShards: config.sharding.parallelShards,
    heartbeatTimeoutSeconds: config.sharding.heartbeatTimeoutSeconds,
    fineTuneTimeoutHours: config.fineTune.timeoutHours,
    fineTunePollSeconds: config.fineTune.pollIntervalSeconds,
    servingTimeoutMinutes: config.serving.timeoutMinutes,
    servingPollSeconds: config.serving.pollIntervalSeconds,
    keepDeployments: config.serving.keepDeployments,
    budget: config.budget !== undefined,
    estimationK: config.estimation.k,
    tracesPerProblem: config.traces.perProblem,
    band: { min: config.band.band.min, max: config.band.band.max },
    ...taskQueues(config),
  };
}

/** Only the kinds that leave the campaign's queue: the default settings stay as they were. */
function taskQueues(config: CampaignConfig): { taskQueues?: TaskQueueSettings } {
  const set = Object.entries(config.temporal?.taskQueues ?? {}).filter(([, v]) => v !== undefined && v !== false);
  return set.length ? { taskQueues: Object.fromEntries(set) as TaskQueueSettings } : {};
}
