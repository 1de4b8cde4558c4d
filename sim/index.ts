/** The simulated OpenAI-compatible provider ("sim"): start it in-process with startSim. See sim/README.md. */
export { startSim, type RunningSim, type StartSimOptions } from './server';
export { simConfigSchema, parseSimConfig, loadSimConfig, mergeConfig, DEFAULT_BASE_MODELS, type SimConfig, type SimConfigInput } from './config';
export type { SimStats } from './context';
export { passProbability, effectiveDifficulty, temperatureScale, abilityFor, type Abilities } from './students';
export { trainAbilities, bump, type TrainingReport } from './training';
export { validateTrainingFile } from './trainingFile';
export { ProblemIndex } from './problems';
