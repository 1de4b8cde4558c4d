// Azure OpenAI deployments (control plane): https://learn.microsoft.com/en-us/rest/api/aiservices/accountmanagement/deployments
import { keySlug } from '../businessKey';
import { ProviderRequestError } from '../errors';
import type { ProviderHttp } from '../http';
import type { Deployment, DeploymentState, EnsureDeploymentRequest } from '../types';

/** A deployment as the control plane returns it (Deployments - Get / Create Or Update). */
interface ArmDeployment {
  name: string;
  sku?: { name?: string; capacity?: number };
  properties?: { model?: { format?: string; name?: string; version?: string }; provisioningState?: string };
  systemData?: { createdAt?: string };
}

/** The deployment name of a business key: PUT is create-or-update by name, so a retry adopts what it made. */
export function azureDeploymentNameForKey(key: string): string {
  return keySlug(key, 64);
}

/**
 * `properties.provisioningState` (DeploymentProvisioningState: Accepted, Creating, Deleting, Disabled, Failed,
 * Moving, Succeeded, Canceled; https://learn.microsoft.com/en-us/rest/api/aiservices/accountmanagement/deployments/get).
 */
const STATE: Record<string, DeploymentState> = {
  Accepted: 'pending',
  Creating: 'pending',
  Moving: 'pending',
  Succeeded: 'ready',
  Failed: 'failed',
  Canceled: 'failed',
  Disabled: 'failed',
  Deleting: 'deleted',
};

/**
 * Azure serves a fine-tuned model only through a deployment, made on the control plane
 * (https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/fine-tuning-deploy: `PUT
 * .../Microsoft.CognitiveServices/accounts/<a>/deployments/<name>` with `properties.model = {format: OpenAI,
 * name: <fine-tuned model>, version: "1"}` and a bearer token for https://management.azure.com). A deployed
 * fine-tune bills an hourly hosting fee while it exists, used or not, and one inactive for 15 days is deleted
 * (https://learn.microsoft.com/en-us/azure/ai-services/openai/how-to/manage-costs). Chat requests name the
 * deployment in `model` (v1 API).
 */
export class AzureDeployments {
  constructor(
    private readonly http: ProviderHttp,
    private readonly opts: { apiVersion: string; sku: { name: string; capacity: number } },
  ) {}

  async ensureForKey(req: EnsureDeploymentRequest): Promise<Deployment> {
    const name = azureDeploymentNameForKey(req.key);
    try {
      return await this.retrieve(name);
    } catch (err) {
      if (!(err instanceof ProviderRequestError && err.status === 404)) throw err;
    }
    const body = { sku: this.opts.sku, properties: { model: { format: 'OpenAI', name: req.model, version: '1' } } };
    const res = await this.http.request<ArmDeployment>(`PUT deployments/${name}`, { method: 'PUT', url: this.path(name), params: this.params(), data: body });
    return toDeployment(res.data);
  }

  async retrieve(name: string): Promise<Deployment> {
    const res = await this.http.request<ArmDeployment>(`GET deployments/${name}`, { method: 'GET', url: this.path(name), params: this.params() });
    return toDeployment(res.data);
  }

  /** Deletes the deployment; one already gone (404) is not an error. */
  async delete(name: string): Promise<void> {
    await this.http.request(`DELETE deployments/${name}`, { method: 'DELETE', url: this.path(name), params: this.params() }, [404]);
  }

  private path(name: string): string {
    return `/deployments/${encodeURIComponent(name)}`;
  }

  private params(): Record<string, string> {
    return { 'api-version': this.opts.apiVersion };
  }
}

function toDeployment(d: ArmDeployment): Deployment {
  const providerState = d.properties?.provisioningState ?? 'Accepted';
  const model = d.properties?.model?.name ?? '';
  const out: Deployment = { id: d.name, model, servedModel: d.name, state: STATE[providerState] ?? 'pending', providerState };
  if (d.systemData?.createdAt) out.createdAt = d.systemData.createdAt;
  if (out.state === 'failed') out.error = `deployment ${d.name} is ${providerState}`;
  return out;
}
