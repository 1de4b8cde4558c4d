import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest, readBody, type Reply } from '../http';
import { createFile, getFile } from '../routes/files';
import { createJob } from '../routes/fineTuning';
import { jsonBody, ProviderMode } from './providerMode';

// Azure OpenAI, v1 API (https://learn.microsoft.com/en-us/azure/ai-foundry/openai/api-version-lifecycle) and the
// control plane's deployments (https://learn.microsoft.com/en-us/rest/api/aiservices/accountmanagement/deployments).

interface ArmDeployment {
  name: string;
  /** The ARM resource id path, `/subscriptions/.../deployments/<name>`. */
  resourceId: string;
  model: string;
  sku: { name: string; capacity: number };
  createdAtMs: number;
}

const DEPLOYMENT_PATH = ['subscriptions', null, 'resourceGroups', null, 'providers', 'Microsoft.CognitiveServices', 'accounts', null, 'deployments'] as const;

/**
 * The sim as Azure OpenAI: the OpenAI routes under `/openai/v1` with the key in an `api-key` header; an upload
 * stays `pending` for `provider.fileProcessingSeconds` before it is `processed` (or `error` for a file that is
 * not chat JSONL), and a job on a file not yet processed is refused; a fine-tuned model answers chat only
 * through a deployment (control plane `PUT|GET|DELETE /subscriptions/.../deployments/<name>?api-version=`,
 * bearer token), `Creating` for `provider.deploymentSeconds`, then `Succeeded`. Base models answer by their own
 * id (as if deployed under it).
 */
export class AzureMode extends ProviderMode {
  readonly kind = 'azure' as const;
  private readonly uploadedAt = new Map<string, number>();
  private readonly deployments = new Map<string, ArmDeployment>();

  protected liveDeployments(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.deployments.values()) out[d.name] = d.model;
    return out;
  }

  /** Data plane: `api-key` (https://learn.microsoft.com/en-us/rest/api/azureopenai/files, security `api-key`); control plane: a bearer token. */
  override apiKey(req: IncomingMessage, pathname: string): string | undefined {
    if (pathname.startsWith('/openai/')) {
      const key = req.headers['api-key'];
      return typeof key === 'string' && key.trim() ? key.trim() : undefined;
    }
    return super.apiKey(req, pathname);
  }

  resolveChatModel(model: string): string {
    const d = this.deployments.get(model);
    if (d) {
      if (this.state(d) !== 'Succeeded') throw new ApiError(404, `The API deployment ${model} is not ready yet (provisioningState ${this.state(d)}).`, 'invalid_request_error', 'model', 'DeploymentNotFound');
      return d.model;
    }
    if (this.ctx.state.models.has(model)) {
      throw new ApiError(404, `The API deployment for this resource does not exist (${model} is a fine-tuned model: deploy it and use the deployment name).`, 'invalid_request_error', 'model', 'DeploymentNotFound');
    }
    return model;
  }

  async route(req: IncomingMessage, method: string, p: string[], url: URL): Promise<Reply | undefined> {
    const is = (m: string, ...segments: (string | null)[]) => method === m && p.length === segments.length && segments.every((s, i) => s === null || s === p[i]);
    if (is('POST', 'files')) {
      const reply = await createFile(this.ctx, req);
      const file = reply.json as Record<string, unknown>;
      this.uploadedAt.set(String(file.id), Date.now());
      return { status: 200, json: this.withStatus(file) };
    }
    if (is('GET', 'files', null)) return { status: 200, json: this.withStatus(getFile(this.ctx, p[1]!).json as Record<string, unknown>) };
    if (is('POST', 'fine_tuning', 'jobs')) {
      const body = await jsonBody(req);
      this.requests.push({ method, path: url.pathname, body });
      const id = typeof body.training_file === 'string' ? body.training_file : '';
      const status = this.fileStatus(id);
      if (status && status !== 'processed') {
        // Azure's answer to a job on a file it has not processed (https://learn.microsoft.com/en-gb/answers/questions/2118156).
        throw new ApiError(400, `The specified file reference must point to a completed file import (${id} is ${status}).`, 'invalid_request_error', 'training_file', 'invalidPayload');
      }
      return createJob(this.ctx, body, this.dice);
    }
    return undefined;
  }

  override async routeOutsideV1(req: IncomingMessage, method: string, parts: string[], url: URL): Promise<Reply | undefined> {
    const p = parts.slice(1);
    if (p.length !== DEPLOYMENT_PATH.length + 1 || !DEPLOYMENT_PATH.every((s, i) => s === null || s === p[i])) return undefined;
    if (!url.searchParams.get('api-version')) throw badRequest("The api-version query parameter (?api-version=) is required for all requests.", 'api-version', 'MissingApiVersionParameter');
    const name = p.at(-1)!;
    const resourceId = `/${p.join('/')}`;
    if (method === 'PUT') {
      const raw = (await readBody(req)).toString('utf8');
      const body = JSON.parse(raw || '{}') as { sku?: { name?: string; capacity?: number }; properties?: { model?: { format?: string; name?: string; version?: string } } };
      this.requests.push({ method, path: url.pathname, body: body as Record<string, unknown> });
      const model = body.properties?.model;
      if (model?.format !== 'OpenAI') throw badRequest('properties.model.format must be OpenAI', 'properties.model.format', 'InvalidResourceProperties');
      if (!model.name || !this.ctx.catalog.get(model.name)) throw new ApiError(400, `The model ${model.name ?? ''} is not found or not available for deployment.`, 'invalid_request_error', 'properties.model.name', 'DeploymentModelNotSupported');
      if (!body.sku?.name) throw badRequest('sku.name is required', 'sku', 'InvalidResourceProperties');
      const existing = this.deployments.get(name);
      if (existing) return { status: 200, json: this.armObject(existing) };
      const d: ArmDeployment = { name, resourceId, model: model.name, sku: { name: body.sku.name, capacity: body.sku.capacity ?? 1 }, createdAtMs: Date.now() };
      this.deployments.set(name, d);
      this.created++;
      return { status: 201, json: this.armObject(d) };
    }
    if (method === 'GET') {
      const d = this.deployments.get(name);
      if (!d) throw new ApiError(404, `The Resource 'Microsoft.CognitiveServices/accounts/deployments/${name}' was not found.`, 'invalid_request_error', null, 'DeploymentNotFound');
      return { status: 200, json: this.armObject(d) };
    }
    if (method === 'DELETE') {
      if (!this.deployments.delete(name)) return { status: 204, raw: Buffer.alloc(0) };
      this.deleted++;
      return { status: 200, raw: Buffer.alloc(0) };
    }
    return undefined;
  }

  private state(d: ArmDeployment): 'Creating' | 'Succeeded' {
    return Date.now() - d.createdAtMs < this.ctx.cfg.provider.deploymentSeconds * 1000 ? 'Creating' : 'Succeeded';
  }

  private armObject(d: ArmDeployment): Record<string, unknown> {
    return {
      id: d.resourceId,
      name: d.name,
      type: 'Microsoft.CognitiveServices/accounts/deployments',
      sku: d.sku,
      properties: { model: { format: 'OpenAI', name: d.model, version: '1' }, provisioningState: this.state(d) },
      systemData: { createdAt: new Date(d.createdAtMs).toISOString() },
    };
  }

  /** pending, then processed, or error for content that is not chat JSONL; undefined for a file this mode did not take. */
  private fileStatus(id: string): 'pending' | 'processed' | 'error' | undefined {
    const at = this.uploadedAt.get(id);
    if (at === undefined) return undefined;
    if (Date.now() - at < this.ctx.cfg.provider.fileProcessingSeconds * 1000) return 'pending';
    return this.formatError(id) ? 'error' : 'processed';
  }

  private formatError(id: string): string | undefined {
    const lines = (this.ctx.state.fileContent(id)?.toString('utf8') ?? '').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (!line) continue;
      try {
        // A chat example, or a preference (DPO) line: Azure takes both as fine-tune files
        // (https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/fine-tuning-direct-preference-optimization).
        const v = JSON.parse(line) as { messages?: unknown; input?: { messages?: unknown } };
        if (!Array.isArray(v.messages) && !Array.isArray(v.input?.messages)) return `Invalid file format. Line ${i + 1}: expected an object with "messages" (or "input.messages" for preference data).`;
      } catch {
        return `Invalid file format. Line ${i + 1} is not valid JSON.`;
      }
    }
    return undefined;
  }

  private withStatus(file: Record<string, unknown>): Record<string, unknown> {
    const status = this.fileStatus(String(file.id)) ?? 'processed';
    const details = status === 'error' ? this.formatError(String(file.id)) : undefined;
    return { ...file, status, status_details: details ?? null };
  }
}
