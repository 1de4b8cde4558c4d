// Together dedicated endpoints (`/endpoints`): https://docs.together.ai/reference/createendpoint and the Endpoints section beside it
import { ProviderRequestError } from '../errors';
import { keySlug } from '../businessKey';
import type { ProviderHttp } from '../http';
import type { Deployment, DeploymentState, EnsureDeploymentRequest, ServingOptions } from '../types';

/** Together endpoint as the API returns it (https://docs.together.ai/reference/getendpoint). */
interface TogetherEndpoint {
  object?: string;
  id: string;
  /** What chat requests put in `model` (`<user>/<model>-<hash>`). */
  name?: string;
  display_name?: string;
  model?: string;
  hardware?: string;
  type?: string;
  state?: string;
  created_at?: string;
}

/** The display name given to the endpoint of a business key (for people: the list response does not carry it). */
export function togetherEndpointNameForKey(key: string): string {
  return keySlug(key, 60);
}

/**
 * Endpoint states: PENDING, STARTING, STARTED, STOPPING, STOPPED, ERROR (https://docs.together.ai/reference/getendpoint)
 * and FAILED (together-python `BaseEndpoint.state`,
 * https://github.com/togethercomputer/together-python/blob/main/src/together/types/endpoints.py). Every state
 * but the first three is terminal for the serve phase: waiting on it would wait forever.
 */
const STATE: Record<string, DeploymentState> = {
  PENDING: 'pending',
  STARTING: 'pending',
  STARTED: 'ready',
  STOPPING: 'failed',
  STOPPED: 'failed',
  ERROR: 'failed',
  FAILED: 'failed',
};

/**
 * Together dedicated endpoints, one REST resource (`/endpoints`):
 * POST https://docs.together.ai/reference/createendpoint, GET /endpoints/{id}
 * https://docs.together.ai/reference/getendpoint, GET /endpoints https://docs.together.ai/reference/listendpoints,
 * DELETE /endpoints/{id} https://docs.together.ai/reference/deleteendpoint. An endpoint starts by itself after
 * creation (PENDING -> STARTING -> STARTED). Together has no caller-chosen id here, and the list response
 * carries no `display_name` (ListEndpoint: id, object, name, model, type, owner, state, created_at), so a retry
 * finds the endpoint it already created by what the list does carry: a dedicated endpoint serving the trained
 * model (a fine-tuned model name is unique to its round attempt). The caller also records the id as soon as
 * it is known (serving/ensureDeployment.ts), which settles later attempts without listing.
 */
export class TogetherEndpoints {
  constructor(
    private readonly http: ProviderHttp,
    private readonly opts: ServingOptions,
  ) {}

  /** The endpoint of `req.key`: the one an earlier attempt created, or a new one. */
  async ensureForKey(req: EnsureDeploymentRequest): Promise<Deployment> {
    const displayName = togetherEndpointNameForKey(req.key);
    const existing = (await this.list())
      .filter((e) => e.model === req.model && (e.type ?? 'dedicated') === 'dedicated')
      .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''));
    if (existing[0]) return toDeployment(existing[0]);
    const res = await this.http.request<TogetherEndpoint>('POST /endpoints', {
      method: 'POST',
      url: '/endpoints',
      data: {
        model: req.model,
        hardware: this.opts.hardware,
        display_name: displayName,
        autoscaling: { min_replicas: this.opts.minReplicas ?? 1, max_replicas: this.opts.maxReplicas ?? 1 },
      },
    });
    return toDeployment(res.data);
  }

  async retrieve(id: string): Promise<Deployment> {
    const res = await this.http.request<TogetherEndpoint>(`GET /endpoints/${id}`, { method: 'GET', url: `/endpoints/${encodeURIComponent(id)}` });
    return toDeployment(res.data);
  }

  /** An endpoint that is already gone is not an error. */
  async delete(id: string): Promise<void> {
    try {
      await this.http.request(`DELETE /endpoints/${id}`, { method: 'DELETE', url: `/endpoints/${encodeURIComponent(id)}` });
    } catch (err) {
      if (err instanceof ProviderRequestError && err.status === 404) return;
      throw err;
    }
  }

  /** Our own dedicated endpoints (`mine=true`, https://docs.together.ai/reference/listendpoints). */
  private async list(): Promise<TogetherEndpoint[]> {
    const res = await this.http.request<{ data?: TogetherEndpoint[] }>('GET /endpoints', { method: 'GET', url: '/endpoints', params: { type: 'dedicated', mine: 'true' } });
    return res.data?.data ?? [];
  }
}

function toDeployment(e: TogetherEndpoint): Deployment {
  const providerState = e.state ?? 'PENDING';
  const state = STATE[providerState] ?? 'pending';
  const d: Deployment = { id: e.id, model: e.model ?? '', servedModel: e.name ?? e.model ?? '', state, providerState };
  if (e.created_at) d.createdAt = e.created_at;
  if (state === 'failed') d.error = `endpoint ${e.id} is ${providerState}`;
  return d;
}
