import { UserError } from '../../errors';
import { ProviderRequestError } from '../errors';
import { keySlug } from '../fineTune/businessKey';
import { createProviderHttp } from '../http';
import type { Deployment, DeploymentState, ServingProvider, ServingProviderConfig } from './types';

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

/** The display name that marks the endpoint of a business key: `findByKey` lists endpoints and looks for it. */
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
 *
 * `serving.mode: serverless` (the default) makes no endpoint: the fine-tune's output name serves on the
 * shared chat endpoint, as Together offers for LoRA fine-tunes of its serverless models.
 */
export function createTogetherServing(cfg: ServingProviderConfig): ServingProvider {
  const opts = cfg.serving ?? {};
  const dedicated = opts.mode === 'dedicated';
  if (dedicated && !opts.hardware) {
    throw new UserError('together: serving.mode dedicated needs serving.hardware (a hardware id from `together endpoints hardware --model <model>`)');
  }
  const http = createProviderHttp({ name: 'together', baseURL: cfg.baseURL, apiKeyEnv: cfg.apiKeyEnv, timeoutMs: cfg.timeoutMs ?? 60_000 });

  async function list(): Promise<TogetherEndpoint[]> {
    const res = await http.request<{ data?: TogetherEndpoint[] }>('GET /endpoints', { method: 'GET', url: '/endpoints', params: { type: 'dedicated' } });
    return res.data?.data ?? [];
  }

  async function get(id: string): Promise<Deployment> {
    const res = await http.request<TogetherEndpoint>(`GET /endpoints/${id}`, { method: 'GET', url: `/endpoints/${encodeURIComponent(id)}` });
    return toDeployment(res.data);
  }

  return {
    kind: 'together',
    needsDeployment: () => dedicated,

    async ensureDeployment(req) {
      if (!dedicated) return { id: '', model: req.model, servedModel: req.model, state: 'ready', providerState: 'serverless' };
      const displayName = togetherEndpointNameForKey(req.key);
      const existing = (await list()).filter((e) => e.display_name === displayName).sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''));
      if (existing[0]) return toDeployment(existing[0]);
      const res = await http.request<TogetherEndpoint>('POST /endpoints', {
        method: 'POST',
        url: '/endpoints',
        data: {
          model: req.model,
          hardware: opts.hardware,
          display_name: displayName,
          autoscaling: { min_replicas: opts.minReplicas ?? 1, max_replicas: opts.maxReplicas ?? 1 },
        },
      });
      return toDeployment(res.data);
    },

    getDeployment: get,

    async deleteDeployment(id) {
      try {
        await http.request(`DELETE /endpoints/${id}`, { method: 'DELETE', url: `/endpoints/${encodeURIComponent(id)}` });
      } catch (err) {
        if (err instanceof ProviderRequestError && err.status === 404) return;
        throw err;
      }
    },
  };
}

function toDeployment(e: TogetherEndpoint): Deployment {
  const providerState = e.state ?? 'PENDING';
  const state = STATE[providerState] ?? 'pending';
  const d: Deployment = { id: e.id, model: e.model ?? '', servedModel: e.name ?? e.model ?? '', state, providerState };
  if (e.created_at) d.createdAt = e.created_at;
  if (state === 'failed') d.error = `endpoint ${e.id} is ${providerState}`;
  return d;
}
