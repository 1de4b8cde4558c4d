import type { Deployment, ServingProvider } from './types';

/**
 * Kinds whose trained models serve on the shared chat endpoint as soon as the job succeeded (OpenAI and its
 * compatible servers, Together serverless): nothing to create, nothing to tear down.
 */
export function serverlessServing(kind: string): ServingProvider {
  const ready = (model: string): Deployment => ({ id: '', model, servedModel: model, state: 'ready', providerState: 'serverless' });
  return {
    kind,
    needsDeployment: () => false,
    ensureDeployment: async (req) => ready(req.model),
    getDeployment: async () => {
      throw new Error(`${kind}: models serve without a deployment; there is none to get`);
    },
    deleteDeployment: async () => undefined,
  };
}
