/** Trace selection and fine-tuning datasets. */
export {
  selectTraces,
  dropCounts,
  judgeTraces,
  traceDecision,
  selectRules,
  selectionOrder,
  traceShingles,
  hasUnresolvedFlag,
  type DropReason,
  type JudgedTrace,
  type KeptSoFar,
  type SelectOptions,
  type SelectRules,
  type Selection,
  type SelectionCounts,
  type TraceDecision,
} from './select';
export { writeDataset, DatasetTooSmallError, type DatasetFile, type DatasetRef, type WriteDatasetOptions } from './write';
export { multiTurnExample, flattenedExample, type ChatExample } from './examples';
export { NEAR_DUPLICATE_JACCARD } from './nearDuplicates';
export { buildPairs, pairRules, pairText, type PairOptions, type PairRules, type PreferencePair, type PairCounts, type Pairing } from './pairs';
export { preferenceLine, preferenceLineProblems, writePreferenceDataset, type PreferenceLine } from './preferenceFormat';
export { pairStats, type PairStats } from './pairStats';
