/** The curriculum module: load a curriculum file into levels of problems. */
export { loadCurriculum, questionId } from './load';
export type { AnswerType, Curriculum, Level, Problem } from './types';
export { curriculumSchema, KNOWN_GENERATORS, type CurriculumSpec, type LevelSpec, type SourceSpec } from './schema';
export { lastBoxed } from './boxed';
export { generateArithmetic } from './generators/arithmetic';
export { heldOutIds } from './heldOut';
export { canonicalJson, sha256Hex } from './random';
export { readYamlFile, parseWithSchema, locate, formatPath, lineOf, type YamlFile } from './yamlFile';
