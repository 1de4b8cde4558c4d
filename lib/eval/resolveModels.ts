/**
 * The models of an eval config, resolved to what a request needs: the model id, its endpoint and its price.
 * A campaign model (`campaign:NAME@final|base|ROUND`) is read from the campaign's registry in the run store;
 * its endpoint is the entry's own `baseURL`, else the student provider of the campaign's stored config.
 */
import { UserError } from '../errors';
import { readCampaignConfig } from '../campaign/resume';
import { priceOf, type Price } from '../budget/cost';
import { ModelRegistry, type ModelEntry } from '../registry';
import type { RunStore } from '../store';
import { isCampaignModel, modelName, type CampaignModelSpec, type ModelSpec } from './evalConfig';

export interface ResolvedModel {
  /** Shown in tables and part of the ledger key (two endpoints serving one id never share samples). */
  name: string;
  /** The model id requests name (a deployment's served name where the model has one). */
  model: string;
  baseURL: string;
  apiKeyEnv?: string;
  concurrency: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  price?: Price;
  /** For campaign models: where it came from. */
  campaign?: { name: string; round: number; modelId: string };
}

/** The registry entry an `@final|base|ROUND` names. */
export function pickEntry(registry: ModelRegistry, spec: Pick<CampaignModelSpec, 'campaign' | 'round'>): ModelEntry {
  const all = registry.entries();
  const entry =
    spec.round === 'final'
      ? registry.current()
      : spec.round === 'base'
        ? all.find((m) => m.status === 'base')
        : (all.find((m) => m.round === spec.round && m.status !== 'rejected') ?? all.find((m) => m.round === spec.round));
  if (!entry) {
    const rounds = [...new Set(all.map((m) => m.round))].join(', ');
    throw new UserError(`campaign ${spec.campaign} has no model for @${spec.round}${rounds ? ` (rounds with models: ${rounds})` : ''}`);
  }
  return entry;
}

export async function resolveCampaignModel(store: RunStore, spec: CampaignModelSpec): Promise<ResolvedModel> {
  const registry = await ModelRegistry.load(store, spec.campaign);
  if (registry.entries().length === 0)
    throw new UserError(`campaign ${spec.campaign}: no model registry in the run store ${store.uriFor('')} (set STRAWBERRY_RUNS_DIR to the campaign's run store)`);
  const entry = pickEntry(registry, spec);
  const config = await readCampaignConfig(store, spec.campaign);
  const provider = config?.providers[config.student.provider];
  const baseURL = spec.baseURL ?? provider?.baseURL;
  if (!baseURL) throw new UserError(`campaign ${spec.campaign}: no stored config to take the endpoint from; give the model a baseURL`);
  const served = entry.deployment && !entry.deployment.deletedAt ? entry.deployment.servedModel : entry.modelId;
  return {
    name: modelName(spec),
    model: served,
    baseURL,
    apiKeyEnv: spec.apiKeyEnv ?? (spec.baseURL ? undefined : provider?.apiKeyEnv),
    concurrency: spec.concurrency,
    requestsPerMinute: spec.requestsPerMinute ?? provider?.requestsPerMinute,
    tokensPerMinute: spec.tokensPerMinute ?? provider?.tokensPerMinute,
    price: spec.price ?? (config ? priceOf(config, config.student.provider, entry.modelId) : undefined),
    campaign: { name: spec.campaign, round: entry.round, modelId: entry.modelId },
  };
}

export async function resolveModels(store: RunStore, specs: readonly ModelSpec[]): Promise<ResolvedModel[]> {
  const out: ResolvedModel[] = [];
  for (const m of specs) {
    if (isCampaignModel(m)) out.push(await resolveCampaignModel(store, m));
    else
      out.push({
        name: m.name,
        model: m.model,
        baseURL: m.baseURL,
        apiKeyEnv: m.apiKeyEnv,
        concurrency: m.concurrency,
        requestsPerMinute: m.requestsPerMinute,
        tokensPerMinute: m.tokensPerMinute,
        price: m.price,
      });
  }
  return out;
}
