export * from './prompts';
export * from './record';
export * from './flags';
export * from './options';
export * from './grade';
export { roundSamplingSeed, samplingSeed } from './seed';
export { generateTrace, type TraceDeps } from './generateTrace';
export { generateCotSample } from './generateCot';
