import { z } from 'zod';
import { promptsSchema } from './promptConfig';

/** The verifier: a model (the student itself or another) that checks the steps so far, at temperature 0. */
export const VerifierOptionsSchema = z.object({
  model: z.string().min(1).describe('model that checks the steps (reads the problem and the whole conversation so far)'),
  temperature: z.number().min(0).max(2).default(0),
  maxTokens: z.number().int().positive().default(256),
  ...verifierPolicy(),
});

/** How the verifier is asked and what an unreadable verdict means; shared with the campaign config's verifier block. */
export function verifierPolicy() {
  return {
    responseFormat: z
      .enum(['json_schema', 'none'])
      .default('json_schema')
      .describe('json_schema: send the verdict schema as response_format (OpenAI, vLLM, Together, Fireworks structured outputs); none: ask for the JSON in the prompt only (servers that reject response_format)'),
    onUnparsed: z
      .enum(['flag', 'accept'])
      .default('flag')
      .describe('a verdict still unreadable after one retry: flag (the last step is critiqued and must be redone) or accept (no objection); counted either way'),
  };
}

/** How traces are generated. One schema: the campaign config embeds it; defaults and docs come from it. */
export const TraceOptionsSchema = z.object({
  model: z.string().min(1).describe('the student model that writes the steps'),
  maxTurns: z.number().int().min(1).max(256).default(16).describe('hard cap on assistant replies in one trace'),
  finalCheckEvery: z.number().int().min(1).default(2).describe('ask for the final answer after every this many steps'),
  verifyEvery: z.number().int().min(0).default(4).describe('call the verifier after every this many steps (0 = never; needs `verifier`)'),
  verifier: VerifierOptionsSchema.optional(),
  temperature: z.number().min(0).max(2).default(1.0),
  maxTokens: z.number().int().positive().default(512).describe('per reply'),
  seed: z.number().int().min(0).default(0).describe('base of the per-sample sampling seeds'),
  prompts: promptsSchema.optional().describe("the curriculum's prompt set (curriculum `prompts:`); default: the default set"),
  seedMode: z
    .enum(['per-sample', 'per-turn'])
    .default('per-sample')
    .describe(
      'per-sample: one seed for every turn of a sample (the simulated provider reads the seed as the sample identity); per-turn: a new seed each turn',
    ),
});

export type TraceOptions = z.infer<typeof TraceOptionsSchema>;
export type TraceOptionsInput = z.input<typeof TraceOptionsSchema>;
export type VerifierOptions = z.infer<typeof VerifierOptionsSchema>;
