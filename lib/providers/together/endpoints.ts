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

/** The display name that marks the endpoint of a business key: `ensureForKey` lists endpoints and looks for it. */
export function togetherEndpointNameForKey(key: string): string {
  return keySlug(key, 60);
}

const STATE: Record<string, DeploymentState> = {
  PENDING: 'pending',
  STARTING: 'pending',
  STARTED: 'ready',
  STOPPING: 'failed',
  STOPPED: 'failed',
  ERROR: 'failed',
};

/**
 * Together dedicated endpoints, one REST resource (`/endpoints`):
 * POST https://docs.together.ai/reference/createendpoint, GET /endpoints/{id}
 * https://docs.together.ai/reference/getendpoint, GET /endpoints https://docs.together.ai/reference/listendpoints,
 * DELETE /endpoints/{id} https://docs.together.ai/reference/deleteendpoint. An endpoint starts by itself after
 * creation (PENDING -> STARTING -> STARTED). Together has no caller-chosen id here, so the business key
 * travels in `display_name` and a retry lists endpoints to adopt the one it already created.
 */
export class TogetherEndpoints {
  constructor(
    private readonly http: ProviderHttp,
    private readonly opts: ServingOptions,
  ) {}

  /** The endpoint of `req.key`: the one an earlier attempt created, or a new one. */
  async ensureForKey(req: EnsureDeploymentRequest): Promise<Deployment> {
    const displayName = togetherEndpointNameForKey(req.key);
    const existing = (await this.list()).filter((e) => e.display_name === displayName).sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''));
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

  private async list(): Promise<TogetherEndpoint[]> {
    const res = await this.http.request<{ data?: TogetherEndpoint[] }>('GET /endpoints', { method: 'GET', url: '/endpoints', params: { type: 'dedicated' } });
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
