import { UserError } from '../../errors';
import { FireworksProvider } from '../fireworks';
import { TogetherProvider } from '../together';
import { OpenAIProvider } from '../openai';
import type { ServingProvider, ServingProviderConfig } from './types';

/** The serving side of a configured provider (see lib/providers/capabilities.ts for what each kind does). */
export function createServingProvider(cfg: ServingProviderConfig): ServingProvider {
  switch (cfg.kind) {
    case 'openai':
      return new OpenAIProvider({ ...cfg, kind: 'openai' });
    case 'together':
      return new TogetherProvider({ ...cfg, kind: 'together' });
    case 'fireworks':
      return new FireworksProvider({ ...cfg, kind: 'fireworks' });
    default:
      throw new UserError(`no serving for provider kind ${JSON.stringify(cfg.kind)}`);
  }
}
