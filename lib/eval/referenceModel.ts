/**
 * A reference model: one that is evaluated beside the campaign's own, on any OpenAI-compatible endpoint (a
 * provider's hosted model, a local vLLM). One shape for both places that name them: the models of an eval
 * config (`strawberry eval`) and a campaign's `evaluation.references`, where a reference may instead name one
 * of the campaign's providers. Keys are never here: `apiKeyEnv` (or the named provider's) names the variable.
 */
import { z } from 'zod';

export const priceSchema = z.object({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }).strict();

export const endpointFields = {
  /** An OpenAI-compatible endpoint; `${VAR}` parts are expanded from the environment. */
  baseURL: z.string().min(1).optional(),
  /** The variable holding the key (never the key). Omit it for endpoints without authentication. */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name').optional(),
  concurrency: z.number().int().positive().default(16),
  requestsPerMinute: z.number().positive().optional(),
  tokensPerMinute: z.number().positive().optional(),
  price: priceSchema.optional(),
};

/** `{name, model, baseURL, apiKeyEnv?}`: a model on an endpoint of its own. */
export const referenceModelSchema = z
  .object({ name: z.string().min(1), model: z.string().min(1), ...endpointFields, baseURL: z.string().min(1) })
  .strict();

/** `{name, model, provider?}`: a model served by one of the campaign's providers (default: the student's); priced by its table. */
export const providerReferenceSchema = z
  .object({
    name: z.string().min(1),
    model: z.string().min(1),
    provider: z.string().min(1).optional().describe('a provider of `providers` (default: the student provider); its apiKeyEnv holds the key'),
  })
  .strict();

/** A campaign's `evaluation.references` entry: either shape. */
export const campaignReferenceSchema = z.union([providerReferenceSchema, referenceModelSchema], {
  error: (iss) =>
    iss.code === 'invalid_union'
      ? 'expected a reference model {name, model, provider?} (one of the campaign\'s providers) or {name, model, baseURL, apiKeyEnv?} (an endpoint of its own)'
      : undefined,
});

export type ReferenceModelSpec = z.infer<typeof referenceModelSchema>;
export type CampaignReference = z.infer<typeof campaignReferenceSchema>;

/** Names of the campaign's own models in the final evaluation: a reference may not take them. */
export const CAMPAIGN_MODEL_ROLES = ['base', 'final'] as const;

export function isEndpointReference(r: CampaignReference): r is ReferenceModelSpec {
  return 'baseURL' in r && r.baseURL !== undefined;
}
