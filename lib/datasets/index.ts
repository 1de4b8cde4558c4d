/** Trace selection and fine-tuning datasets. */
export { selectTraces, hasUnresolvedFlag, type SelectOptions, type Selection, type SelectionCounts } from './select';
export { writeDataset, DatasetTooSmallError, type DatasetRef, type WriteDatasetOptions } from './write';
export { multiTurnExample, flattenedExample, type ChatExample } from './examples';
export { NEAR_DUPLICATE_JACCARD } from './nearDuplicates';
