export * from './prompts';
export { PROMPTS_HASH, promptSet, hashPromptSet, type PromptSet, type PromptStyle } from './promptSet';
export * from './record';
export * from './flags';
export * from './options';
export * from './grade';
export { roundSamplingSeed, samplingSeed } from './seed';
export { generateTrace, type TraceDeps } from './generateTrace';
export { generateCotSample } from './generateCot';
