/** The sample ledger: which samples exist, so any re-run does only what is missing. */
export { samplingParamsHash, keyString, type SampleKey, type SamplingParams } from './key';
export type { NewSampleRecord, SampleGrade, SampleRecord } from './record';
export {
  SampleLedger,
  LedgerFormatError,
  ledgerDatabasePath,
  ledgerExists,
  type LedgerOpenOptions,
  type LedgerOpenStats,
  type LedgerView,
  type RecordFilter,
  type RegradeResult,
} from './sampleLedger';
