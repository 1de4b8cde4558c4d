import { UserError } from '../errors';
import { AzureProvider } from './azure';
import { FireworksProvider } from './fireworks';
import type { FineTuneProvider, FineTuneProviderKind, ProviderClient, ProviderClientConfig, ServingProvider } from './types';
import { checkTrainCommand, LocalProvider } from './local';
import { OpenAIProvider } from './openai';
import { TogetherProvider } from './together';

/** The one place a provider kind becomes its class (capabilities.ts says what each kind does). */
const PROVIDERS: Record<FineTuneProviderKind, (cfg: ProviderClientConfig) => ProviderClient> = {
  openai: (cfg) => new OpenAIProvider(cfg),
  azure: (cfg) => new AzureProvider(cfg),
  together: (cfg) => new TogetherProvider(cfg),
  fireworks: (cfg) => new FireworksProvider(cfg),
  // The `local` block carries the provider's own settings (train, serve, models) beside its server's URL and key.
  local: (cfg) => new LocalProvider({ baseURL: cfg.baseURL, apiKeyEnv: cfg.apiKeyEnv || undefined, timeoutMs: cfg.timeoutMs, ...cfg.local }),
};

function isKind(kind: string): kind is FineTuneProviderKind {
  return Object.prototype.hasOwnProperty.call(PROVIDERS, kind);
}

/** The client of a configured provider: the class of its kind, which both fine-tunes and serves. */
export function providerClient(cfg: ProviderClientConfig): ProviderClient {
  if (!isKind(cfg.kind)) throw new UserError(`unknown provider kind ${JSON.stringify(cfg.kind)}; expected ${Object.keys(PROVIDERS).join(', ')}`);
  return PROVIDERS[cfg.kind](cfg);
}

/**
 * The fine-tuning side of a configured provider, after the checks of what fine-tuning needs and serving does
 * not: a key for the managed kinds, a training command for `local`. No key is read here: each call reads
 * `process.env[cfg.apiKeyEnv]` when it runs (a missing variable is a `UserError` naming it).
 */
export function createFineTuneProvider(cfg: ProviderClientConfig): FineTuneProvider {
  if (cfg.kind === 'local') {
    checkTrainCommand(cfg.local?.train);
  } else {
    if (!cfg.baseURL) throw new UserError(`fine-tune provider ${cfg.kind}: baseURL is required`);
    if (!cfg.apiKeyEnv) throw new UserError(`fine-tune provider ${cfg.kind}: apiKeyEnv is required (the name of the variable holding the key)`);
  }
  return providerClient(cfg);
}

/** How a configured provider makes a trained model servable (a deployment, an adapter load, or nothing). */
export function createServingProvider(cfg: ProviderClientConfig): ServingProvider {
  return providerClient(cfg);
}
