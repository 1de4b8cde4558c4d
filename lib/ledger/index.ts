/** The sample ledger: which samples exist, so any re-run does only what is missing. */
export { samplingParamsHash, keyString, type SampleKey, type SamplingParams } from './key';
export type { NewSampleRecord, SampleGrade, SampleRecord } from './record';
export {
  collectRecords,
  type AppendResult,
  type Ledger,
  type LedgerUsageRow,
  type LedgerView,
  type RecordFilter,
  type RegradeResult,
} from './ledger';
export { SampleLedger, LedgerFormatError, ledgerDatabasePath, ledgerExists, type LedgerOpenOptions, type LedgerOpenStats } from './sampleLedger';
export { PostgresLedger } from './postgresLedger';
export { openLedgerAt } from './openLedger';
