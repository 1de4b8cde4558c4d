import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../lib/errors';

/**
 * The sim's configuration: one zod schema, the single source of truth for every option and its default.
 * `config/sim.yaml` spells the same defaults out with a comment per field; `sim/README.md` explains the formulas.
 */

const baseModelSchema = z
  .object({
    id: z.string().min(1).describe('Model id served by GET /v1/models and accepted by chat completions and fine-tuning.'),
    abilities: z.record(z.string(), z.number()).default({}).describe('Ability per skill, on the difficulty scale of the curricula.'),
    defaultAbility: z.number().describe('Ability for skills not listed in `abilities`.'),
  })
  .strict();

export const DEFAULT_BASE_MODELS = [
  // Near-perfect on arithmetic level 1, barely solvable on levels 2-3, hopeless from level 5.
  { id: 'sim-student', abilities: {}, defaultAbility: 2.0 },
  // A strong model for verifier or teacher roles.
  { id: 'sim-teacher', abilities: {}, defaultAbility: 8.0 },
];

export const simConfigSchema = z
  .object({
    models: z.array(baseModelSchema).min(1).default(DEFAULT_BASE_MODELS).describe('Base models and their abilities.'),
    sampling: z
      .object({
        scaleBase: z.number().positive().default(0.15).describe('Spread of the pass curve at temperature 0: scale(T) = scaleBase + scaleTemperature * T.'),
        scaleTemperature: z.number().min(0).default(0.2).describe('How much the spread grows per unit of temperature.'),
        defaultTemperature: z.number().min(0).max(2).default(1).describe('Temperature of a request that gives none (OpenAI: 1).'),
        problemJitter: z
          .number()
          .min(0)
          .default(0.25)
          .describe('Each problem\'s difficulty is shifted by a fixed pseudo-random amount in [-jitter, +jitter], so pass rates vary within a level.'),
        ignoreN: z.boolean().default(false).describe('Behave like servers that ignore `n`: every chat completion has one choice, whatever `n` asked for.'),
      })
      .strict()
      .prefault({}),
    traces: z
      .object({
        critiqueFixRate: z.number().min(0).max(1).default(0.6).describe('Probability that a wrong step redone after a critique comes out right.'),
        verifierAccuracy: z.number().min(0).max(1).default(0.9).describe('Probability that a verdict on the verifier prompt is right.'),
      })
      .strict()
      .prefault({}),
    training: z
      .object({
        peakOffset: z.number().default(0.5).describe('A correct example teaches most when its difficulty is this far above the ability (the barely-solvable band).'),
        bumpWidth: z.number().positive().default(0.5).describe('Width (standard deviation) of the learning bump around the peak.'),
        maxGainPerJob: z.number().min(0).default(1.2).describe('Largest ability gain one job can give a skill: gain = maxGainPerJob * (1 - exp(-evidence / saturation)).'),
        saturation: z.number().positive().default(25).describe('Evidence (weighted correct examples) at which the gain reaches 63% of maxGainPerJob.'),
        wrongPenalty: z.number().min(0).default(0.03).describe('Ability lost per wrong example (final answer not the gold), diminished like repeats.'),
        forgetting: z.number().min(0).default(0.05).describe('Ability lost by every skill absent from the training data (and by the default ability).'),
        minExamples: z.number().int().min(1).default(10).describe('Fewest examples a training file may have (OpenAI: 10).'),
        preferenceWeight: z.number().min(0).default(1).describe('DPO: evidence each preference pair gives its skill, relative to a correct SFT example (no wrong penalty: the rejected output is pushed down).'),
        dpoDrift: z.number().min(0).default(0).describe('DPO: ability lost by each skill of a DPO job whose parent no SFT job trained (models drift without an SFT term; 0: none).'),
      })
      .strict()
      .prefault({}),
    jobs: z
      .object({
        validatingSeconds: z.number().min(0).default(0.2).describe('Time a job spends in validating_files.'),
        queuedSeconds: z.number().min(0).default(0.3).describe('Time a job spends queued.'),
        runningSeconds: z.number().min(0).default(1).describe('Time a job spends running.'),
        failureRate: z.number().min(0).max(1).default(0).describe('Probability that a job with a valid file fails while running.'),
        failureCode: z.string().default('server_error').describe('error.code of a job that fails that way.'),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        rpm: z.number().min(0).default(0).describe('Chat completion requests per minute (token bucket); 0 = no limit.'),
        tpm: z.number().min(0).default(0).describe('Chat completion tokens per minute (prompt + max_tokens or 256 per choice); 0 = no limit.'),
        burstSeconds: z.number().positive().default(60).describe('Bucket size in seconds of refill: 60 lets a full minute of quota through at once.'),
      })
      .strict()
      .prefault({}),
    faults: z
      .object({
        errorRate: z.number().min(0).max(1).default(0).describe('Probability that a request is answered 500 server_error.'),
        hangRate: z.number().min(0).max(1).default(0).describe('Probability that a request hangs (no answer until hangSeconds pass, then the socket closes).'),
        hangSeconds: z.number().min(0).default(600).describe('How long a hung request hangs.'),
        malformedRate: z.number().min(0).max(1).default(0).describe('Probability that a 200 answer has a truncated, unparsable body.'),
        latencyMs: z.number().min(0).default(0).describe('Time from a request\'s arrival to its answer (the sim\'s own work counts in it; at least that work).'),
        latencyPerTokenMs: z.number().min(0).default(0).describe('Latency added per completion token of a chat completion.'),
        seed: z.number().int().default(0).describe('Seed of the fault dice (faults are random per request, so a retry can succeed).'),
      })
      .strict()
      .prefault({}),
    provider: z
      .object({
        kind: z
          .enum(['openai', 'azure', 'together', 'fireworks', 'selfhosted'])
          .default('openai')
          .describe('API shape of fine-tuning and serving: openai (files + fine_tuning/jobs); together (/files redirect upload, /fine-tunes, dedicated /endpoints); fireworks (/v1/accounts/<a>/datasets, supervisedFineTuningJobs, deployments, chat under /inference/v1); azure (v1 data plane under /openai/v1 with an api-key header, files pending -> processed, control-plane deployments); selfhosted (a vLLM server: runtime LoRA load/unload, POST /sim/restart forgets adapters).'),
        deploymentSeconds: z.number().min(0).default(0.3).describe('together/fireworks/azure: time a deployment takes to become ready.'),
        scaleToZeroSeconds: z.number().min(0).default(3600).describe('fireworks: idle time after which a deployment with minReplicaCount 0 scales to zero (Fireworks: --scale-to-zero-window, default 1h).'),
        coldStartSeconds: z.number().min(0).default(5).describe('fireworks: how long a scaled-to-zero deployment answers 503 to chat after the request that wakes it.'),
        idleDeleteSeconds: z.number().min(0).default(604800).describe('fireworks: idle time after which a deployment with minReplicaCount 0 is deleted (Fireworks: 7 days without traffic).'),
        recentTrafficSeconds: z.number().min(0).default(3600).describe('fireworks: a DELETE without ignoreChecks=true is refused while the deployment served a request this recently.'),
        runtimeLoraUpdating: z.boolean().default(true).describe('selfhosted: the load/unload adapter routes exist, as vLLM mounts them only with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True.'),
        deploymentFailureRate: z.number().min(0).max(1).default(0).describe('together: probability that a new dedicated endpoint ends FAILED instead of STARTED.'),
        serverlessLoraBases: z.array(z.string().min(1)).default([]).describe('together: base models whose LoRA fine-tunes serve serverless (Together lists a few; every other fine-tune needs a dedicated endpoint).'),
        reasoningModels: z
          .array(z.string().min(1))
          .default(['^o\\d', '^gpt-5'])
          .describe('openai/azure: patterns (regular expressions) of model ids, matched against the model and its base, that refuse `max_tokens` as OpenAI reasoning models do (they take `max_completion_tokens`).'),
        fileProcessingSeconds: z.number().min(0).default(0.5).describe('azure: time an uploaded file stays `pending` before it is `processed` (or `error`); a job on an unprocessed file is refused.'),
        prices: z
          .object({
            trainingPerMillionTokens: z.number().min(0).default(3).describe('Dollars per million trained tokens (dataset tokens x epochs) that the provider shapes report as a job\'s price.'),
            deploymentPerHour: z.number().min(0).default(2.4).describe('Dollars per hour a dedicated endpoint / deployment bills while it exists.'),
          })
          .strict()
          .prefault({})
          .describe('The price table the provider shapes bill by (each reports it the provider\'s way, e.g. Together in nanodollars).'),
      })
      .strict()
      .prefault({}),
    fixedCreated: z
      .boolean()
      .default(true)
      .describe('Chat completions carry `created` = 2025-01-01T00:00:00Z so identical requests give byte-identical bodies; false uses the clock.'),
  })
  .strict();

export type SimConfig = z.infer<typeof simConfigSchema>;
export type SimConfigInput = z.input<typeof simConfigSchema>;
export type BaseModelConfig = z.infer<typeof baseModelSchema>;

/** Validates a config object; errors name the field path. */
export function parseSimConfig(input: unknown, source = 'sim config'): SimConfig {
  const r = simConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
    throw new UserError(`${source}: ${issues}`);
  }
  return r.data;
}

export function loadSimConfig(file: string): SimConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read sim config ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UserError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return parseSimConfig(doc, file);
}

/** Deep-merges plain objects (arrays and scalars of `over` replace); used for CLI flags over a config file. */
export function mergeConfig<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (!isPlain(base) || !isPlain(over)) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeConfig(out[k], v);
  return out as T;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
