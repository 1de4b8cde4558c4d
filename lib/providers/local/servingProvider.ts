import { readApiKey } from '../apiKey';
import { messageFromBody, ProviderRequestError, providerHttpError } from '../fineTune/errors';
import type { Deployment, EnsureDeploymentRequest, ServingProvider } from '../serving/types';
import type { LocalProviderConfig } from './config';
import { localJobStore, resolveModelPath } from './fineTuneProvider';

/**
 * Serving for the `local` provider: a trained checkpoint is loaded into the running OpenAI-compatible server
 * under the model's name through its runtime load endpoint (vLLM's `POST /v1/load_lora_adapter` with
 * `{lora_name, lora_path}`; our CPU server speaks the same). Loading is idempotent: the deployment's id is
 * the model name, and a model that is already loaded is ready.
 */
export function createLocalServingProvider(cfg: LocalProviderConfig): ServingProvider {
  const jobs = localJobStore(cfg);
  const base = cfg.baseURL.replace(/\/+$/, '');
  const loadPath = cfg.serve?.loadPath === undefined ? '/load_lora_adapter' : cfg.serve.loadPath;
  const unloadPath = cfg.serve?.unloadPath ?? '/unload_lora_adapter';
  const timeoutMs = cfg.timeoutMs ?? 120_000;

  const call = async (method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const key = cfg.apiKeyEnv ? readApiKey(cfg.apiKeyEnv, `the API key for ${base}`) : undefined;
    if (key) headers.authorization = `Bearer ${key}`;
    let res: Response;
    try {
      res = await fetch(base + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw providerHttpError(`local: ${method} ${route}`, undefined, (err as Error).message, key);
    }
    const text = await res.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      /* plain text (vLLM answers plain text on load) */
    }
    return { status: res.status, json };
  };

  const ready = (model: string, providerState: string): Deployment => ({ id: model, model, servedModel: model, state: 'ready', providerState, createdAt: new Date().toISOString() });

  return {
    needsDeployment(model) {
      return loadPath !== false && resolveModelPath(cfg, jobs, model) !== undefined;
    },

    async ensureDeployment(req: EnsureDeploymentRequest) {
      if (loadPath === false) return ready(req.model, 'served-as-is');
      const checkpoint = resolveModelPath(cfg, jobs, req.model);
      if (!checkpoint) throw new ProviderRequestError(`local: no checkpoint for model ${req.model} (not a job of ${jobs?.root ?? 'the jobs directory'}, not a configured model)`, 404, 'model not found');
      const { status, json } = await call('POST', loadPath, { lora_name: req.model, lora_path: checkpoint });
      if (status >= 200 && status < 300) return ready(req.model, 'loaded');
      const text = messageFromBody(json);
      if (status === 400 && /already been loaded/i.test(text)) return ready(req.model, 'loaded');
      throw providerHttpError(`local: POST ${loadPath} (${req.model})`, status, text);
    },

    async getDeployment(id) {
      const { status, json } = await call('GET', '/models');
      if (status !== 200) throw providerHttpError('local: GET /models', status, messageFromBody(json));
      const data = (json as { data?: { id: string }[] }).data ?? [];
      return data.some((m) => m.id === id) ? ready(id, 'loaded') : { id, model: id, servedModel: id, state: 'deleted', providerState: 'not-loaded' };
    },

    async deleteDeployment(id) {
      if (loadPath === false) return;
      const { status, json } = await call('POST', unloadPath, { lora_name: id });
      if (status >= 200 && status < 300) return;
      if (status === 404 || (status === 400 && /not found|not loaded|cannot be found/i.test(messageFromBody(json)))) return;
      throw providerHttpError(`local: POST ${unloadPath} (${id})`, status, messageFromBody(json));
    },
  };
}
