// vLLM runtime LoRA adapters (`/v1/load_lora_adapter`, `/v1/unload_lora_adapter`): https://docs.vllm.ai/en/latest/features/lora/
import { readApiKey } from '../apiKey';
import { messageFromBody, ProviderRequestError, providerHttpError } from '../errors';
import type { Deployment, EnsureDeploymentRequest } from '../types';
import type { LocalProviderConfig } from './config';
import type { LocalJobStore } from './jobStore';
import { resolveModelPath } from './trainingJobs';

/** What to do when the server has no runtime adapter loading (vLLM started without the variable). */
export const RUNTIME_LORA_DISABLED = (url: string): string =>
  `local: ${url} answered 404 Not Found: the server loads no LoRA adapters at runtime. Start vLLM with --enable-lora ` +
  '(and --max-loras, --max-lora-rank to fit the adapters) and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True in its environment ' +
  '(https://docs.vllm.ai/en/latest/features/lora/), or set serve.loadPath: false if it serves its models as they are';

/**
 * The runtime LoRA adapter endpoints of the `local` provider's OpenAI-compatible server: vLLM's
 * `POST /v1/load_lora_adapter {lora_name, lora_path}` and `POST /v1/unload_lora_adapter {lora_name}`
 * ("Dynamically serving LoRA Adapters", https://docs.vllm.ai/en/latest/features/lora/); our CPU server speaks
 * the same. A trained checkpoint is loaded under the model's name; loading is idempotent: the deployment's
 * id is the model name, and a model that is already loaded is ready. `GET /v1/models` tells what is loaded.
 */
export class LocalLoraAdapters {
  private readonly base: string;
  /** false: the server serves its models as they are, nothing is loaded. */
  private readonly loadPath: string | false;
  private readonly unloadPath: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly cfg: LocalProviderConfig,
    private readonly jobs: LocalJobStore | undefined,
  ) {
    this.base = cfg.baseURL.replace(/\/+$/, '');
    this.loadPath = cfg.serve?.loadPath === undefined ? '/load_lora_adapter' : cfg.serve.loadPath;
    this.unloadPath = cfg.serve?.unloadPath ?? '/unload_lora_adapter';
    this.timeoutMs = cfg.timeoutMs ?? 120_000;
  }

  /** Whether the model is a checkpoint this server must load before it serves. */
  needsLoad(model: string): boolean {
    return this.loadPath !== false && resolveModelPath(this.cfg, this.jobs, model) !== undefined;
  }

  async load(req: EnsureDeploymentRequest): Promise<Deployment> {
    if (this.loadPath === false) return ready(req.model, 'served-as-is');
    const checkpoint = resolveModelPath(this.cfg, this.jobs, req.model);
    if (!checkpoint) throw new ProviderRequestError(`local: no checkpoint for model ${req.model} (not a job of ${this.jobs?.root ?? 'the jobs directory'}, not a configured model)`, 404, 'model not found');
    const { status, json } = await this.call('POST', this.loadPath, { lora_name: req.model, lora_path: checkpoint });
    if (status >= 200 && status < 300) return ready(req.model, 'loaded');
    const text = messageFromBody(json);
    if (status === 400 && /already been loaded/i.test(text)) return ready(req.model, 'loaded');
    // vLLM mounts the load route only with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True: without it, FastAPI's 404.
    if (status === 404 && /^not found$/i.test(text.trim())) throw new ProviderRequestError(RUNTIME_LORA_DISABLED(this.base + this.loadPath), 404, text);
    throw providerHttpError(`local: POST ${this.loadPath} (${req.model})`, status, text);
  }

  async retrieve(id: string): Promise<Deployment> {
    const { status, json } = await this.call('GET', '/models');
    if (status !== 200) throw providerHttpError('local: GET /models', status, messageFromBody(json));
    const data = (json as { data?: { id: string }[] }).data ?? [];
    return data.some((m) => m.id === id) ? ready(id, 'loaded') : { id, model: id, servedModel: id, state: 'deleted', providerState: 'not-loaded' };
  }

  /** An adapter that is not loaded (any more) is not an error. */
  async unload(id: string): Promise<void> {
    if (this.loadPath === false) return;
    const { status, json } = await this.call('POST', this.unloadPath, { lora_name: id });
    if (status >= 200 && status < 300) return;
    if (status === 404 || (status === 400 && /not found|not loaded|cannot be found/i.test(messageFromBody(json)))) return;
    throw providerHttpError(`local: POST ${this.unloadPath} (${id})`, status, messageFromBody(json));
  }

  private async call(method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const key = this.cfg.apiKeyEnv ? readApiKey(this.cfg.apiKeyEnv, `the API key for ${this.base}`) : undefined;
    if (key) headers.authorization = `Bearer ${key}`;
    let res: Response;
    try {
      res = await fetch(this.base + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs) });
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
  }
}

function ready(model: string, providerState: string): Deployment {
  return { id: model, model, servedModel: model, state: 'ready', providerState, createdAt: new Date().toISOString() };
}
