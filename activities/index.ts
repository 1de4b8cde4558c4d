/** Every activity the worker registers: thin adapters from refs in the run store to lib/ and back. */
import { buildDataset as buildDatasetStep } from './dataset';
import { selectBand as selectBandStep } from './band';
import { openCampaign as openCampaignStep, reconfigure as reconfigureStep } from './campaign';
import { prepareRound as prepareRoundStep } from './candidates';
import { concludeRound as concludeRoundStep, registerCandidate as registerCandidateStep } from './conclude';
import { startFineTune as startFineTuneStep } from './fineTune';
import { checkBudget as checkBudgetStep } from './budget';
import { heartbeating } from './heartbeat';
import { verifyTraces as verifyTracesStep } from './traces';
import { cancelProviderWork as cancelProviderWorkStep } from './cancel';
import { startServing as startServingStep, tearDownDeployments as tearDownDeploymentsStep } from './serve';

export * from './healthCheck';
export { estimateShard } from './estimation';
export { generateTracesShard } from './traces';
export { waitForFineTune } from './fineTune';
export { evaluateModels } from './evaluation';
export { evaluateFinal } from './finalEvaluation';
export { readRoundManifest } from './manifest';
export { waitForServing } from './serve';

// Steps without progress of their own heartbeat while they run (every activity has a heartbeat timeout).
export const openCampaign = heartbeating(openCampaignStep);
export const reconfigure = heartbeating(reconfigureStep);
export const prepareRound = heartbeating(prepareRoundStep);
export const selectBand = heartbeating(selectBandStep);
export const verifyTraces = heartbeating(verifyTracesStep);
export const buildDataset = heartbeating(buildDatasetStep);
export const startFineTune = heartbeating(startFineTuneStep);
export const registerCandidate = heartbeating(registerCandidateStep);
export const concludeRound = heartbeating(concludeRoundStep);
export const startServing = heartbeating(startServingStep);
export const tearDownDeployments = heartbeating(tearDownDeploymentsStep);
export const cancelProviderWork = heartbeating(cancelProviderWorkStep);
export const checkBudget = heartbeating(checkBudgetStep);
