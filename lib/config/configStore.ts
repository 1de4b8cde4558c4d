import { createHash } from 'node:crypto';
import { UserError } from '../errors';
import { assertSegment, type RunStore } from '../store';
import type { ResolvedCampaignConfig } from './load';

/**
 * Campaign configs, stored once per version and addressed by content (`<campaign>/configs/<sha256>.json`).
 * Workflows carry only the hash (in their input, memo and every activity's input), so histories, the Web UI
 * and payload limits never pay for the whole config; a `configure` change is a new version with a new hash,
 * never an edit in place.
 */

/** JSON with object keys sorted, so equal configs hash alike whatever order their fields were built in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export function configHash(config: ResolvedCampaignConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** Where `start` keeps the resolved config of a campaign (written once, never overwritten). */
export function campaignConfigPath(campaign: string): string {
  assertSegment(campaign, 'campaign name');
  return `${campaign}/config.json`;
}

export function storedConfigPath(campaign: string, hash: string): string {
  assertSegment(campaign, 'campaign name');
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new UserError(`config hash ${JSON.stringify(hash)}: expected 64 hex digits`);
  return `${campaign}/configs/${hash}.json`;
}

/** Stores a config version (written once: the same content has the same name) and returns its hash. */
export async function storeConfig(store: RunStore, config: ResolvedCampaignConfig): Promise<string> {
  const hash = configHash(config);
  const rel = storedConfigPath(config.name, hash);
  if (!(await store.exists(rel))) await store.writeFileAtomic(rel, canonicalJson(config));
  return hash;
}

const cache = new Map<string, Promise<ResolvedCampaignConfig>>();

/** A stored config version by hash (cached per process: a version never changes), checked against its hash. */
export function loadStoredConfig(store: RunStore, campaign: string, hash: string): Promise<ResolvedCampaignConfig> {
  const rel = storedConfigPath(campaign, hash);
  const key = `${store.uriFor(rel)}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = (async () => {
      if (!(await store.exists(rel))) {
        throw new UserError(`${store.uriFor(rel)} is not in the run store: this worker's STRAWBERRY_RUN_STORE (or STRAWBERRY_RUNS_DIR) must be the store the campaign was started with`);
      }
      const config = await store.readJson<ResolvedCampaignConfig>(rel);
      if (configHash(config) !== hash) throw new UserError(`${rel}: content does not match its hash (edited by hand?); restore it or \`strawberry resume ${campaign} --config <file>\``);
      return config;
    })();
    cache.set(key, hit);
    hit.catch(() => cache.delete(key));
  }
  return hit;
}
