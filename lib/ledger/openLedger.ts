import type { LedgerLocation } from '../storage/ledgerLocation';
import type { Ledger } from './ledger';
import { PostgresLedger } from './postgresLedger';
import { SampleLedger, type LedgerOpenOptions } from './sampleLedger';

/** Opens the ledger at a location (lib/storage/ledgerLocation.ts chooses it): SQLite or PostgreSQL. */
export function openLedgerAt(location: LedgerLocation, options: LedgerOpenOptions = {}): Promise<Ledger> {
  return location.kind === 'postgres' ? PostgresLedger.open(location.url, location.campaign, { shard: options.shard }) : SampleLedger.open(location.dir, options);
}
