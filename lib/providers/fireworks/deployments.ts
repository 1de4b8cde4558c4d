// Fireworks on-demand deployments (`/v1/accounts/<a>/deployments`): https://docs.fireworks.ai/api-reference/create-deployment
import { ProviderRequestError } from '../errors';
import { keySlug } from '../businessKey';
import type { ProviderHttp } from '../http';
import type { Deployment, DeploymentState, EnsureDeploymentRequest, ServingOptions } from '../types';
import { shortId } from './resourceName';

/** Fireworks deployment as the API returns it (https://docs.fireworks.ai/api-reference/get-deployment). */
interface FireworksDeployment {
  name: string;
  displayName?: string;
  baseModel?: string;
  state?: string;
  status?: { code?: string; message?: string };
  createTime?: string;
}

/** Caller-chosen deployment id of a business key: creating it twice answers 409, never a second deployment. */
export function fireworksDeploymentIdForKey(key: string): string {
  return keySlug(key, 63);
}

const STATE: Record<string, DeploymentState> = {
  STATE_UNSPECIFIED: 'pending',
  CREATING: 'pending',
  UPDATING: 'pending',
  READY: 'ready',
  FAILED: 'failed',
  DELETING: 'deleted',
  DELETED: 'deleted',
};

/**
 * Fireworks on-demand deployments, one REST resource (`/v1/accounts/<a>/deployments`). Fine-tuned LoRA models
 * serve only on on-demand deployments (https://docs.fireworks.ai/fine-tuning/deploying-loras); a deployment
 * whose `baseModel` is the LoRA model serves it merged ("live merge"). Create:
 * https://docs.fireworks.ai/api-reference/create-deployment with `?deploymentId=` (caller-chosen, so a retried
 * create answers 409 and the existing deployment is adopted); get: /api-reference/get-deployment; delete:
 * /api-reference/delete-deployment. Chat requests name the model and the deployment:
 * `<model>#accounts/<a>/deployments/<id>` (https://docs.fireworks.ai/models/deploying).
 */
export class FireworksDeployments {
  private readonly collection: string;

  constructor(
    private readonly http: ProviderHttp,
    private readonly account: string,
    private readonly opts: ServingOptions,
  ) {
    this.collection = `/v1/accounts/${encodeURIComponent(account)}/deployments`;
  }

  /** The deployment of `req.key`: the one an earlier attempt created, or a new one. */
  async ensureForKey(req: EnsureDeploymentRequest): Promise<Deployment> {
    const id = fireworksDeploymentIdForKey(req.key);
    try {
      return await this.retrieve(id);
    } catch (err) {
      if (!(err instanceof ProviderRequestError && err.status === 404)) throw err;
    }
    const opts = this.opts;
    const body: Record<string, unknown> = {
      baseModel: req.model,
      displayName: id,
      // At least one replica unless configured otherwise: a deployment with min 0 scales to zero after an idle
      // hour (cold starts "up to a few minutes" at the next sample) and is "auto-deleted after 7 days of no
      // traffic" (https://docs.fireworks.ai/deployments/autoscaling), which a long campaign reaches.
      minReplicaCount: opts.minReplicas ?? 1,
      maxReplicaCount: opts.maxReplicas ?? 1,
    };
    if (opts.acceleratorType) body.acceleratorType = opts.acceleratorType;
    if (opts.acceleratorCount) body.acceleratorCount = opts.acceleratorCount;
    if (opts.deploymentShape) body.deploymentShape = opts.deploymentShape;
    const res = await this.http.request<FireworksDeployment>('POST deployments', { method: 'POST', url: this.collection, params: { deploymentId: id }, data: body }, [409]);
    // ALREADY_EXISTS: an earlier attempt with this key created it; adopt that deployment.
    if (res.status === 409) return this.retrieve(id);
    return toDeployment(res.data, this.account);
  }

  async retrieve(id: string): Promise<Deployment> {
    const res = await this.http.request<FireworksDeployment>(`GET deployments/${shortId(id)}`, { method: 'GET', url: this.path(id) });
    return toDeployment(res.data, this.account);
  }

  /**
   * A deployment that is already gone is not an error. `ignoreChecks=true`: without it Fireworks refuses to
   * delete a deployment that "is currently deployed and is in use" (recent traffic), and a superseded model's
   * deployment, sampled minutes ago by the evaluation, would keep billing
   * (https://docs.fireworks.ai/api-reference/delete-deployment, query `ignoreChecks`).
   */
  async delete(id: string): Promise<void> {
    try {
      await this.http.request(`DELETE deployments/${shortId(id)}`, { method: 'DELETE', url: this.path(id), params: { ignoreChecks: true } });
    } catch (err) {
      if (err instanceof ProviderRequestError && err.status === 404) return;
      throw err;
    }
  }

  private path(id: string): string {
    return `${this.collection}/${encodeURIComponent(shortId(id))}`;
  }
}

function toDeployment(d: FireworksDeployment, account: string): Deployment {
  const id = shortId(d.name);
  const providerState = d.state ?? 'STATE_UNSPECIFIED';
  const state = STATE[providerState] ?? 'pending';
  const model = d.baseModel ?? '';
  const out: Deployment = { id, model, servedModel: `${model}#accounts/${account}/deployments/${id}`, state, providerState };
  if (d.createTime) out.createdAt = d.createTime;
  if (state === 'failed') out.error = d.status?.message || `deployment ${id} is ${providerState}`;
  return out;
}
