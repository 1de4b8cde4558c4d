/** The model registry of a campaign and the promotion rule. */
export type { DeploymentRecord, Evaluation, LevelEvaluation, ModelEntry, ModelStatus, RegistryFile } from './types';
export { registryPath, FileRegistryStorage, PostgresRegistryStorage, type RegistryStorage } from './registryStorage';
export {
  ModelRegistry,
  type RegistryLoadOptions,
  type EvaluationInput,
  type RegisterBaseInput,
  type RegisterCandidateInput,
} from './modelRegistry';
export {
  compareLevel,
  decidePromotion,
  PROMOTION_TEST,
  type LevelComparison,
  type ProblemPair,
  type PromotionDecision,
  type PromotionEvidence,
  type PromotionInput,
  type PromotionRule,
} from './decidePromotion';
