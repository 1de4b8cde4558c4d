import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openLedgerAt, type NewSampleRecord } from '../../lib/ledger';
import { parseLedgerUrl } from '../../lib/storage/ledgerUrl';

/** Rows the campaigns' ledger holds in PostgreSQL (Ledger.count per campaign): every sample drawn (and paid) once. */
export async function ledgerRows(url: string, campaigns: string[]): Promise<number> {
  let n = 0;
  for (const campaign of campaigns) {
    const ledger = await openLedgerAt({ kind: 'postgres', url, campaign });
    n += await ledger.count();
    await ledger.close();
  }
  return n;
}

/**
 * Appends `n` fresh sample records through the ledger at `url`, in the batches activities append (one per
 * problem of 20 samples, 32 problems in flight), and returns records per second.
 */
export async function ledgerInsertRate(url: string, n: number): Promise<number> {
  const parsed = parseLedgerUrl(url, 'bench');
  const campaign = `insert-rate-${Date.now().toString(36)}`;
  if (parsed.kind === 'sqlite') mkdirSync(parsed.path, { recursive: true });
  const ledger = await openLedgerAt(parsed.kind === 'postgres' ? { kind: 'postgres', url: parsed.url, campaign } : { kind: 'sqlite', dir: path.join(parsed.path, campaign) }, { shard: 'bench' });
  const perProblem = 20;
  const batches: NewSampleRecord[][] = [];
  for (let p = 0; p * perProblem < n; p++) {
    batches.push(
      Array.from({ length: Math.min(perProblem, n - p * perProblem) }, (_, i): NewSampleRecord => ({
        problemId: `p${p}`,
        model: 'bench-model',
        samplingParamsHash: '0123456789abcdef',
        purpose: 'estimate',
        sampleIndex: i,
        completion: `The answer is \\boxed{${(p * 7 + i) % 100}}.`,
        grade: { correct: i % 3 === 0, extracted: String((p * 7 + i) % 100), reason: i % 3 === 0 ? 'match' : 'mismatch', verifierVersion: 'bench' },
        usage: { promptTokens: 40, completionTokens: 12 },
      })),
    );
  }
  const began = performance.now();
  for (let i = 0; i < batches.length; i += 32) await Promise.all(batches.slice(i, i + 32).map((b) => ledger.append(b)));
  const seconds = (performance.now() - began) / 1000;
  await ledger.close();
  return n / seconds;
}
