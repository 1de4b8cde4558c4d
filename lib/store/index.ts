/** The run store: where bulk data lives; activities pass references to it through Temporal. */
export type { Located, Ref, Rows, RunStore, StoredFile, StoredSource, WriteData } from './types';
export { DEFAULT_RUNS_ROOT, DirectoryRunStore, assertSegment, roundDir } from './directoryRunStore';
export {
  assertDeclaredRunStore,
  assertRunStoreFilesystem,
  openRunStore,
  parseRunStoreUrl,
  runStoreUrlFromEnv,
  runStoreUrlOf,
  storeLocation,
  type RunStoreUrl,
} from './openRunStore';
// S3RunStore (lib/store/s3RunStore.ts) is not re-exported: openRunStore loads the S3 client only when a store needs it.
export { manifestDir, manifestUsage, readManifest, recordStep, type ManifestEntries, type ManifestScope, type TokenUsage } from './roundManifest';
