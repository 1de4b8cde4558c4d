import { providerFor } from '../lib/config/load';
import { isTerminalStatus, type FineTuneIntent } from '../lib/providers/fineTune';
import type { DeploymentIntent } from '../lib/providers/serving';
import { ModelRegistry } from '../lib/registry';
import { roundDir } from '../lib/store';
import { configOf, fineTuneProvider, runStore, servingProvider } from './deps';
import { createLogger } from '../lib/log';

const log = createLogger({ component: 'activities', phase: 'cancel' });

/**
 * What `strawberry cancel` must reach beyond Temporal: the running round's fine-tune job (found through the
 * intents the round persisted before creating anything, so a job whose create answer was lost is found by
 * its business key), and, unless `keepDeployments`, every deployment the campaign created (the registry's
 * live ones and any the round's serve intents name). Idempotent: a finished job or a gone deployment is left
 * alone, so a retried activity repeats nothing harmful.
 */
export async function cancelProviderWork({
  campaign,
  configHash,
  round,
  keepDeployments,
}: {
  campaign: string;
  configHash: string;
  round: number;
  keepDeployments: boolean;
}): Promise<{ cancelledJobs: string[]; deletedDeployments: string[] }> {
  const store = runStore();
  const files = await store.list(`${roundDir(campaign, round)}/`);
  const p = providerFor(await configOf({ campaign, configHash }), 'fineTune');
  const provider = fineTuneProvider(p);

  const cancelledJobs: string[] = [];
  for (const file of files.filter((f) => /\/fine-tune-a\d+\/intent\.json$/.test(f))) {
    const intent = await store.readJson<FineTuneIntent>(file);
    const jobs = intent.job?.id ? [await provider.getJob(intent.job.id)] : await provider.findJobsByKey(intent.key);
    for (const job of jobs) {
      if (isTerminalStatus(job.status)) continue;
      await provider.cancelJob(job.id);
      cancelledJobs.push(job.id);
      log.info({ campaign, round, job: job.id }, 'cancelled the fine-tune job');
    }
  }

  const deletedDeployments: string[] = [];
  if (!keepDeployments) {
    const serving = servingProvider(p);
    const registry = await ModelRegistry.load(store, campaign);
    const now = () => new Date().toISOString();
    for (const m of registry.liveDeployments()) {
      await serving.deleteDeployment(m.deployment!.id);
      await registry.setDeployment(m.modelId, { id: m.deployment!.id, deletedAt: now() });
      deletedDeployments.push(m.deployment!.id);
    }
    // A deployment created in the very moment of the cancel may be in its intent but not yet in the registry.
    for (const file of files.filter((f) => /\/serve-a\d+\/intent\.json$/.test(f))) {
      const intent = await store.readJson<DeploymentIntent>(file);
      const id = intent.deployment?.id;
      const gone = registry.entries().some((m) => m.deployment?.id === id && m.deployment?.deletedAt);
      if (!id || gone || deletedDeployments.includes(id)) continue;
      await serving.deleteDeployment(id);
      deletedDeployments.push(id);
    }
  }
  if (cancelledJobs.length || deletedDeployments.length) log.info({ campaign, round, cancelledJobs, deletedDeployments }, 'provider work cancelled');
  return { cancelledJobs, deletedDeployments };
}
