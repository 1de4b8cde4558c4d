/** Every activity the worker registers: thin adapters from refs in the run store to lib/ and back. */
export * from './healthCheck';
export { initCampaign, prepareRound } from './candidates';
export { estimateShard } from './estimation';
export { selectBand } from './band';
export { generateTracesShard, verifyTraces } from './traces';
export { buildDataset } from './dataset';
export { startFineTune, waitForFineTune } from './fineTune';
export { evaluateModels } from './evaluation';
export { registerCandidate, concludeRound } from './conclude';
export { checkBudget } from './budget';
