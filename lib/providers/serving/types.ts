/**
 * How a trained model becomes something we can sample from: a provider deployment (Fireworks on-demand,
 * Together dedicated endpoint), a runtime adapter load (vLLM, our local server), or nothing at all (OpenAI,
 * Together serverless). The round's `serve` phase calls this between fine-tune and evaluate.
 */
export type DeploymentState = 'pending' | 'ready' | 'failed' | 'deleted';

export interface Deployment {
  /** The provider's id of the deployment (or of the loaded adapter); what `getDeployment`/`deleteDeployment` take. */
  id: string;
  /** The trained model this deployment serves. */
  model: string;
  /** The name to put in chat requests' `model` field once ready (may differ from `model`, e.g. `<model>#<deployment>`). */
  servedModel: string;
  state: DeploymentState;
  /** The provider's own state word. */
  providerState: string;
  /** ISO 8601. */
  createdAt?: string;
  error?: string;
}

export interface EnsureDeploymentRequest {
  /** Business key, `<campaign>-r<n>-a<attempt>-serve`: at most one deployment exists per key. */
  key: string;
  /** The trained model (what the fine-tune job returned). */
  model: string;
}

export interface ServingProvider {
  /** The provider kind (`openai`, `together`, `fireworks`, `local`, ...). */
  readonly kind?: string;
  /** False when a trained model serves as soon as its job succeeded (no deployment is created). */
  needsDeployment(model: string): boolean;
  /** Creates the deployment, or adopts the one that already exists under `req.key`; never creates two. */
  ensureDeployment(req: EnsureDeploymentRequest): Promise<Deployment>;
  getDeployment(id: string): Promise<Deployment>;
  /** Tears the deployment down; a deployment that is already gone is not an error. */
  deleteDeployment(id: string): Promise<void>;
}

/** Options of the provider config that shape deployments (lib/config/schema.ts `serving`). */
export interface ServingOptions {
  /** Together: `serverless` (the fine-tune serves as is) or `dedicated` (an endpoint per model). */
  mode?: 'serverless' | 'dedicated';
  /** Together endpoint hardware id (`1x_nvidia_h100_80gb_sxm`). */
  hardware?: string;
  /** Fireworks accelerator type / count, or a deployment shape. */
  acceleratorType?: string;
  acceleratorCount?: number;
  deploymentShape?: string;
  minReplicas?: number;
  maxReplicas?: number;
}
