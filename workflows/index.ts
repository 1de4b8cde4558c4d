/** Every workflow the worker serves (the worker bundles this file). */
export { healthCheckWorkflow } from './healthCheck';
export { campaignWorkflow } from './campaign';
export { roundWorkflow } from './round';
