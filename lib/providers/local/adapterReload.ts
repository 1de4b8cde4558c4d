import { createLogger } from '../../log';
import type { ChatProvider } from '../chat/types';
import { ProviderRequestError } from '../errors';
import type { LocalLoraAdapters } from './loraAdapters';

const log = createLogger({ component: 'chat', provider: 'local' });

/** vLLM's answer for a model it does not serve: 404 "The model `x` does not exist." (serving_engine.py `_check_model`). */
export function isModelNotFound(err: unknown): boolean {
  return err instanceof ProviderRequestError && err.status === 404 && /does not exist|model_not_found|not found/i.test(`${err.providerMessage} ${err.code ?? ''}`);
}

/**
 * vLLM forgets adapters loaded at runtime when it restarts ("Dynamically serving LoRA Adapters",
 * https://docs.vllm.ai/en/latest/features/lora/): every sample of a served checkpoint then answers 404
 * model-not-found. This wrapper re-loads the checkpoint (once per burst: concurrent requests share one load)
 * and sends the request again, once; a second 404 is the caller's error. Samples are keyed in the ledger, so
 * the retried request pays nothing twice.
 */
export function reloadAdaptersOnNotFound(inner: ChatProvider, adapters: LocalLoraAdapters): ChatProvider & { reloads(): number } {
  const loading = new Map<string, Promise<unknown>>();
  let reloads = 0;
  return {
    reloads: () => reloads,
    async complete(req, options) {
      try {
        return await inner.complete(req, options);
      } catch (err) {
        if (!isModelNotFound(err) || !adapters.needsLoad(req.model)) throw err;
        let load = loading.get(req.model);
        if (!load) {
          reloads++;
          log.warn({ model: req.model }, 'local: the server does not serve this checkpoint (restarted?); loading it again');
          load = adapters.load({ key: `reload-${req.model}`, model: req.model }).finally(() => loading.delete(req.model));
          loading.set(req.model, load);
        }
        await load;
        return inner.complete(req, options);
      }
    },
  };
}
