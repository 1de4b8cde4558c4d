import type { Deployment } from '../types';

/**
 * A model that serves on the shared chat endpoint as soon as its job succeeded (OpenAI and its compatible
 * servers, Together serverless): nothing was created, so there is nothing to poll or tear down.
 */
export function serverlessDeployment(model: string): Deployment {
  return { id: '', model, servedModel: model, state: 'ready', providerState: 'serverless' };
}
