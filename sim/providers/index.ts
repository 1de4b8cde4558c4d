import type { SimContext } from '../context';
import { AzureMode } from './azure';
import { FireworksMode } from './fireworks';
import type { ProviderMode } from './providerMode';
import { SelfHostedMode } from './selfhosted';
import { TogetherMode } from './together';

export type { ProviderMode, ProviderModeView, ProviderRequestRecord } from './providerMode';

/** The provider shape the sim speaks besides its OpenAI routes; undefined for `openai`. */
export function providerMode(ctx: SimContext, dice: () => number): ProviderMode | undefined {
  switch (ctx.cfg.provider.kind) {
    case 'together':
      return new TogetherMode(ctx, dice);
    case 'fireworks':
      return new FireworksMode(ctx, dice);
    case 'azure':
      return new AzureMode(ctx, dice);
    case 'selfhosted':
      return new SelfHostedMode(ctx, dice);
    default:
      return undefined;
  }
}
