/** Serving trained models: deployments where a provider needs them, nothing where it does not. */
export type { Deployment, DeploymentState, EnsureDeploymentRequest, ServingOptions, ServingProvider } from '../types';
// Defined beside the one map from kind to class.
export { createServingProvider } from '../providerClient';
export { ensureDeployment, type DeploymentIntent } from './ensureDeployment';
export { serverlessDeployment } from './serverless';
