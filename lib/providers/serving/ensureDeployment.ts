import type { RunStore } from '../../store';
import type { Deployment, ServingProvider } from '../types';

/** Persisted before a deployment is created, completed with its id once known. */
export interface DeploymentIntent {
  key: string;
  model: string;
  provider: string;
  requestedAt: string;
  deployment?: { id: string; servedModel: string; at: string };
}

/**
 * Exactly one deployment per business key, across retries and crashes: the intent is written to the run store
 * before anything is created; a recorded id is the answer; otherwise the provider's own `ensureDeployment`
 * adopts what exists under the key or creates it once. The id is written next to the intent.
 */
export async function ensureDeployment(
  serving: ServingProvider,
  store: RunStore,
  req: { key: string; model: string },
  intentPath: string,
  now: () => Date = () => new Date(),
): Promise<{ deployment: Deployment; intentPath: string }> {
  let intent: DeploymentIntent | undefined = (await store.exists(intentPath)) ? await store.readJson<DeploymentIntent>(intentPath) : undefined;
  if (intent?.deployment?.id) return { deployment: await serving.getDeployment(intent.deployment.id), intentPath };
  if (!intent) {
    intent = { key: req.key, model: req.model, provider: serving.kind ?? 'unknown', requestedAt: now().toISOString() };
    await store.writeJsonAtomic(intentPath, intent);
  }
  const deployment = await serving.ensureDeployment(req);
  if (deployment.id) await store.writeJsonAtomic(intentPath, { ...intent, deployment: { id: deployment.id, servedModel: deployment.servedModel, at: now().toISOString() } });
  return { deployment, intentPath };
}
