/**
 * What each provider kind can do, in one place: how a job continues from a fine-tuned parent, what the
 * trained model is called, whether it must be deployed before it serves and how, how a deployment is torn
 * down. The provider classes (openai/, together/, fireworks/, local/) implement this; the README's provider
 * table is written from it.
 *
 * References (read November 2026):
 * - OpenAI: https://platform.openai.com/docs/api-reference/fine-tuning/create (`model` may be a fine-tuned
 *   `ft:` model); fine-tuned models serve on the same chat endpoint as soon as the job succeeded.
 * - Together: https://docs.together.ai/reference/post-fine-tunes (`model` = catalog base model,
 *   `from_checkpoint` = earlier job id or output model name, optional `:step`);
 *   https://docs.together.ai/docs/fine-tuning-continue; dedicated endpoints
 *   https://docs.together.ai/reference/createendpoint, /reference/getendpoint, /reference/deleteendpoint,
 *   /reference/listendpoints and https://docs.together.ai/docs/dedicated-endpoints/manage (states PENDING ->
 *   STARTING -> STARTED; the endpoint `name` is what chat requests put in `model`). Some fine-tunes serve
 *   serverless, others only on a dedicated endpoint: the provider config says which (`serving.mode`).
 * - Fireworks: https://docs.fireworks.ai/tools-sdks/firectl/commands/supervised-fine-tuning-job-create ("Only
 *   one of base-model or warm-start-from should be specified"), REST `warmStartFrom` on
 *   https://docs.fireworks.ai/api-reference/create-supervised-fine-tuning-job;
 *   https://docs.fireworks.ai/fine-tuning/deploying-loras ("Fine-tuned LoRA models ... can only be deployed to
 *   on-demand (dedicated) deployments. Serverless deployment is not supported for LoRA models"; live merge:
 *   a deployment whose base model is the LoRA model); https://docs.fireworks.ai/api-reference/create-deployment,
 *   get-deployment, delete-deployment (states CREATING, READY, UPDATING, DELETING, DELETED, FAILED);
 *   https://docs.fireworks.ai/models/deploying (query `accounts/<a>/models/<m>#accounts/<a>/deployments/<d>`).
 */
export type ProviderKind = 'openai' | 'azure' | 'together' | 'fireworks';

export interface ProviderCapabilities {
  /** How round 2+ continues from the previous round's model. */
  continueFrom: 'parent-as-model' | 'from-checkpoint' | 'warm-start' | 'parent-checkpoint';
  /** Which request field carries the parent, for people and docs. */
  continueField: string;
  /** What the trained model is called. */
  resultName: string;
  /** Whether a trained model needs a deployment before it serves: never, always, or when the config says so. */
  deploy: 'never' | 'always' | 'configured';
  /** How it is deployed and how that is torn down. */
  deployHow?: string;
  teardownHow?: string;
}

export const PROVIDER_CAPABILITIES: Record<ProviderKind, ProviderCapabilities> = {
  openai: {
    continueFrom: 'parent-as-model',
    continueField: 'model = the parent `ft:` model',
    resultName: '`fine_tuned_model` of the job (`ft:<base>:<org>:<suffix>:<id>`)',
    deploy: 'never',
  },
  azure: {
    continueFrom: 'parent-as-model',
    continueField: 'model = the parent fine-tuned model (as OpenAI)',
    resultName: '`fine_tuned_model` of the job',
    deploy: 'always',
    deployHow: 'PUT <management>/.../accounts/<a>/deployments/<key slug> {sku, properties.model {format: OpenAI, name: <model>, version: "1"}} (a retry adopts it by name); serves as the deployment name once Succeeded',
    teardownHow: 'DELETE <management>/.../accounts/<a>/deployments/<name>',
  },
  together: {
    continueFrom: 'from-checkpoint',
    continueField: 'from_checkpoint = parent job id (or output model name), without model (round 1: model = catalog base model)',
    resultName: '`output_name` of the job (`<user>/<base>-<suffix>-<hash>`)',
    deploy: 'configured',
    deployHow: 'serving.mode dedicated (default): POST /endpoints {model, hardware, autoscaling, display_name = key slug}, adopted on retry by model; serves as the endpoint `name` once STARTED',
    teardownHow: 'DELETE /endpoints/{id}',
  },
  fireworks: {
    continueFrom: 'warm-start',
    continueField: 'warmStartFrom = parent LoRA model (no baseModel)',
    resultName: '`outputModel` of the job (`accounts/<a>/models/<id>`)',
    deploy: 'always',
    deployHow: 'POST /v1/accounts/<a>/deployments?deploymentId=<key slug> {baseModel = the LoRA model} (live merge); serves as `<model>#accounts/<a>/deployments/<id>` once READY',
    teardownHow: 'DELETE /v1/accounts/<a>/deployments/<id>',
  },
};
