/** The run store: where bulk data lives; activities pass references to it through Temporal. */
export type { Ref, Rows, RunStore, StoredFile, WriteData } from './types';
export { DEFAULT_RUNS_ROOT, DirectoryRunStore, assertSegment, roundDir } from './directoryRunStore';
export { manifestDir, manifestUsage, readManifest, recordStep, type ManifestEntries, type ManifestScope, type TokenUsage } from './roundManifest';
