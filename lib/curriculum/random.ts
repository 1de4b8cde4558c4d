import { createHash } from 'node:crypto';
import { mulberry32 } from '../random';

/** Hex sha256 of a string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A number in [0, 1) fixed by the text alone: used to rank problems for the held-out split. */
export function hashUnit(text: string): number {
  return parseInt(sha256Hex(text).slice(0, 13), 16) / 2 ** 52;
}

/** A seeded PRNG whose seed is any text. */
export function seededRandom(seedText: string): () => number {
  return mulberry32(parseInt(sha256Hex(seedText).slice(0, 8), 16));
}

/** Canonical JSON: object keys sorted at every depth, so equal values give equal text (and hashes). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}
