import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import { ApiError, type Reply } from '../http';
import { jsonBody, ProviderMode } from './providerMode';

/** The file a sim "checkpoint" directory holds: the sim model a trained adapter stands for (scripts/sim-train.ts writes it). */
export const SIM_CHECKPOINT_FILE = 'sim-model.json';

/**
 * The sim as a self-hosted vLLM OpenAI server (https://docs.vllm.ai/en/latest/features/lora/, "Dynamically
 * serving LoRA Adapters"): base models serve by their id; a trained adapter serves only once
 * `POST /v1/load_lora_adapter {lora_name, lora_path}` loaded it, under `lora_name`. Like vLLM, the load and
 * unload routes exist only when runtime updating is allowed (vLLM: `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`;
 * sim: `provider.runtimeLoraUpdating`), and a server restart forgets every runtime-loaded adapter
 * (`POST /sim/restart`, for tests): after it, a chat naming the adapter gets vLLM's 404 "The model `x` does
 * not exist.". Fine-tuning stays on the sim's OpenAI routes (the training command of the `local` provider
 * calls them: scripts/sim-train.ts), so trained models keep the sim's dynamics.
 */
export class SelfHostedMode extends ProviderMode {
  readonly kind = 'selfhosted' as const;
  /** lora_name -> the sim model it serves. */
  private readonly adapters = new Map<string, string>();
  private loads = 0;
  private restarts = 0;

  protected liveDeployments(): Record<string, string> {
    return Object.fromEntries(this.adapters);
  }

  /** Loads and restarts so far, for tests that check an adapter came back after a restart. */
  counts(): { loads: number; restarts: number } {
    return { loads: this.loads, restarts: this.restarts };
  }

  resolveChatModel(model: string): string {
    const served = this.adapters.get(model);
    if (served) return served;
    if (this.ctx.cfg.models.some((m) => m.id === model)) return model;
    // vLLM's answer for a model it does not serve (serving_engine.py `_check_model`).
    throw new ApiError(404, `The model \`${model}\` does not exist.`, 'NotFoundError', 'model', 'model_not_found');
  }

  override async routeOutsideV1(_req: IncomingMessage, method: string, parts: string[]): Promise<Reply | undefined> {
    if (method === 'POST' && parts[1] === 'sim' && parts[2] === 'restart') {
      this.adapters.clear();
      this.restarts++;
      return { status: 200, json: { restarted: true, restarts: this.restarts } };
    }
    return undefined;
  }

  async route(req: IncomingMessage, method: string, p: string[]): Promise<Reply | undefined> {
    if (method === 'GET' && p.length === 1 && p[0] === 'models') {
      this.ctx.refresh();
      const ids = [...this.ctx.cfg.models.map((m) => m.id), ...this.adapters.keys()];
      return { status: 200, json: { object: 'list', data: ids.map((id) => ({ id, object: 'model', owned_by: 'vllm' })) } };
    }
    const load = p.length === 1 && p[0] === 'load_lora_adapter';
    const unload = p.length === 1 && p[0] === 'unload_lora_adapter';
    if (method !== 'POST' || (!load && !unload)) return undefined;
    // Without VLLM_ALLOW_RUNTIME_LORA_UPDATING vLLM does not mount these routes: FastAPI's 404.
    if (!this.ctx.cfg.provider.runtimeLoraUpdating) return { status: 404, json: { detail: 'Not Found' } };
    const body = await jsonBody(req);
    this.requests.push({ method, path: `/v1/${p[0]}`, body });
    const name = typeof body.lora_name === 'string' ? body.lora_name : '';
    if (!name) throw new ApiError(400, 'lora_name is required', 'BadRequestError', 'lora_name');
    if (unload) {
      if (!this.adapters.delete(name)) throw new ApiError(400, `The lora adapter '${name}' cannot be found.`, 'NotFoundError', 'lora_name');
      this.deleted++;
      return plain(`Success: LoRA adapter '${name}' removed successfully.`);
    }
    if (this.adapters.has(name)) throw new ApiError(400, `The lora adapter '${name}' has already been loaded.`, 'InvalidUserInput', 'lora_name');
    const model = this.checkpointModel(typeof body.lora_path === 'string' ? body.lora_path : '');
    if (!model) throw new ApiError(400, `Loading lora ${name} failed: No adapter found for ${String(body.lora_path)}`, 'BadRequestError', 'lora_path');
    this.adapters.set(name, model);
    this.loads++;
    this.created++;
    return plain(`Success: LoRA adapter '${name}' added successfully.`);
  }

  /** The sim model a checkpoint directory stands for, when it is a trained model the sim knows. */
  private checkpointModel(dir: string): string | undefined {
    try {
      const { model } = JSON.parse(readFileSync(path.join(dir, SIM_CHECKPOINT_FILE), 'utf8')) as { model?: unknown };
      this.ctx.refresh();
      return typeof model === 'string' && this.ctx.state.models.has(model) ? model : undefined;
    } catch {
      return undefined;
    }
  }
}

/** vLLM answers load and unload in plain text. */
function plain(text: string): Reply {
  return { status: 200, raw: Buffer.from(text), contentType: 'text/plain' };
}
