import type { TraceGrade, TraceRecord } from '../traces/record';
import type { SampleKey } from './key';

/** A grade of a sample; `verifierVersion` says which grader made it, so a new grader can regrade. */
export type SampleGrade = TraceGrade;

/** One line of the ledger. */
export interface SampleRecord extends SampleKey {
  /** The completion text (short samples), or `traceRef` when the full trace lives in the run store. */
  completion?: string;
  traceRef?: string;
  /** The whole trace, when later steps reuse it (correct estimation samples become training traces). */
  trace?: TraceRecord;
  grade: SampleGrade;
  usage: { promptTokens: number; completionTokens: number };
  /** ISO time the sample was recorded. */
  timestamp: string;
  stopReason?: string;
  /** Set by `regrade`: the verifier version of the grade this one replaced. */
  regradedFrom?: string;
}

/** What `append` takes: the timestamp defaults to now. */
export type NewSampleRecord = Omit<SampleRecord, 'timestamp'> & { timestamp?: string };
