/** The model registry of a campaign and the promotion rule. */
export type { DeploymentRecord, Evaluation, LevelEvaluation, ModelEntry, ModelStatus, RegistryFile } from './types';
export {
  ModelRegistry,
  registryPath,
  type EvaluationInput,
  type RegisterBaseInput,
  type RegisterCandidateInput,
} from './modelRegistry';
export { decidePromotion, type PromotionDecision, type PromotionInput } from './decidePromotion';
