/** Serving trained models: deployments where a provider needs them, nothing where it does not. */
export type { Deployment, DeploymentState, EnsureDeploymentRequest, ServingOptions, ServingProvider, ServingProviderConfig } from './types';
export { createServingProvider } from './createServingProvider';
export { ensureDeployment, type DeploymentIntent } from './ensureDeployment';
export { fireworksDeploymentIdForKey } from '../fireworks/deployments';
export { togetherEndpointNameForKey } from '../together/endpoints';
export { PROVIDER_CAPABILITIES, type ProviderCapabilities, type ProviderKind } from '../capabilities';
