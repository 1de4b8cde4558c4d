import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { RoundContext } from '../lib/campaign/types';
import { providerFor } from '../lib/config/load';
import { fineTuneKey } from '../lib/providers/fineTune';
import { ensureDeployment } from '../lib/providers/serving';
import { ModelRegistry } from '../lib/registry';
import { roundDir } from '../lib/store';
import { activityLog, configOf, runStore, servingProvider } from './deps';

/** What the serve phase hands to evaluation: the name chat requests use, and the deployment behind it. */
export interface ServedModel {
  model: string;
  servedModel: string;
  /** Absent when the provider serves the model without a deployment. */
  deploymentId?: string;
  ready: boolean;
}

/** Business key of a round attempt's deployment: at most one deployment per key. */
export function deploymentKey(campaign: string, round: number, attempt: number): string {
  return `${fineTuneKey(campaign, round, attempt)}-serve`;
}

/**
 * Makes the trained model servable. Providers that serve fine-tunes as they are (OpenAI, Together
 * serverless) need nothing. Otherwise exactly one deployment per business key: the intent is persisted in
 * the run store before anything is created, an existing deployment is adopted, and its id goes into the
 * registry (with its creation time, so its running time can be told later).
 */
export async function startServing({ ctx, model }: { ctx: RoundContext; model: string }): Promise<ServedModel> {
  const p = providerFor(await configOf(ctx), 'fineTune');
  const serving = servingProvider(p);
  if (!serving.needsDeployment(model)) return { model, servedModel: model, ready: true };
  const store = runStore();
  const key = deploymentKey(ctx.campaign, ctx.round, ctx.attempt);
  const { deployment } = await ensureDeployment(serving, store, { key, model }, `${roundDir(ctx.campaign, ctx.round)}/serve-a${ctx.attempt}/intent.json`);
  const registry = await ModelRegistry.load(store, ctx.campaign);
  await registry.setDeployment(model, { id: deployment.id, provider: p.kind, servedModel: deployment.servedModel, ...(deployment.createdAt ? { createdAt: deployment.createdAt } : {}) });
  activityLog(ctx, 'serve').info({ model, deployment: deployment.id, state: deployment.providerState }, 'deployment created or adopted');
  return { model, servedModel: deployment.servedModel, deploymentId: deployment.id, ready: deployment.state === 'ready' };
}

/**
 * One poll of a deployment (retry-as-polling, like the fine-tune wait): still starting is a benign failure
 * Temporal retries at a fixed interval; failed or gone is non-retryable and blocks the round with the
 * provider's words; ready records the time in the registry and returns the name to sample from.
 */
export async function waitForServing({ ctx, model, deploymentId }: { ctx: RoundContext; model: string; deploymentId: string }): Promise<ServedModel> {
  const p = providerFor(await configOf(ctx), 'fineTune');
  const d = await servingProvider(p).getDeployment(deploymentId);
  heartbeat({ state: d.providerState });
  if (d.state === 'ready') {
    const registry = await ModelRegistry.load(runStore(), ctx.campaign);
    await registry.setDeployment(model, { id: d.id, provider: p.kind, servedModel: d.servedModel, readyAt: new Date().toISOString() });
    return { model, servedModel: d.servedModel, deploymentId: d.id, ready: true };
  }
  if (d.state === 'failed' || d.state === 'deleted') {
    throw ApplicationFailure.nonRetryable(`deployment ${d.id} of ${model} is ${d.providerState}${d.error ? `: ${d.error}` : ''}`, 'DeploymentFailed');
  }
  throw ApplicationFailure.create({ message: `deployment ${d.id} is ${d.providerState}`, type: 'DeploymentStarting', category: ApplicationFailureCategory.BENIGN });
}

/**
 * Tears down the deployments of the given models (rejected candidates, superseded parents, or everything on
 * cancel), records when in the registry (and so the running time). Models without a live deployment are
 * skipped; a deployment already gone is not an error.
 */
export async function tearDownDeployments({ campaign, configHash, models }: { campaign: string; configHash: string; models?: string[] }): Promise<{ deleted: string[] }> {
  const store = runStore();
  const registry = await ModelRegistry.load(store, campaign);
  const live = registry.liveDeployments().filter((m) => !models || models.includes(m.modelId));
  if (live.length === 0) return { deleted: [] };
  const serving = servingProvider(providerFor(await configOf({ campaign, configHash }), 'fineTune'));
  const deleted: string[] = [];
  for (const m of live) {
    await serving.deleteDeployment(m.deployment!.id);
    await registry.setDeployment(m.modelId, { id: m.deployment!.id, deletedAt: new Date().toISOString() });
    deleted.push(m.deployment!.id);
  }
  return { deleted };
}
