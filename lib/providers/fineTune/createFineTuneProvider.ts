import { UserError } from '../../errors';
import { createLocalFineTuneProvider } from '../local/fineTuneProvider';
import { FireworksProvider } from '../fireworks';
import { OpenAIProvider } from '../openai';
import { TogetherProvider } from '../together';
import type { FineTuneProvider, FineTuneProviderConfig } from './types';

/**
 * The fine-tuning client for a configured provider. No key is read here: each call reads
 * `process.env[cfg.apiKeyEnv]` when it runs (a missing variable is a `UserError` naming it).
 */
export function createFineTuneProvider(cfg: FineTuneProviderConfig): FineTuneProvider {
  // Self-hosted: a training command on this machine; no key needed.
  if (cfg.kind === 'local') return createLocalFineTuneProvider({ baseURL: cfg.baseURL, apiKeyEnv: cfg.apiKeyEnv || undefined, ...cfg.local });
  if (!cfg.baseURL) throw new UserError(`fine-tune provider ${cfg.kind}: baseURL is required`);
  if (!cfg.apiKeyEnv) throw new UserError(`fine-tune provider ${cfg.kind}: apiKeyEnv is required (the name of the variable holding the key)`);
  switch (cfg.kind) {
    case 'openai':
      return new OpenAIProvider(cfg);
    case 'together':
      return new TogetherProvider(cfg);
    case 'fireworks':
      return new FireworksProvider(cfg);
    default:
      throw new UserError(`unknown fine-tune provider kind ${JSON.stringify((cfg as { kind: unknown }).kind)}; expected openai, together, fireworks or local`);
  }
}
