/**
 * The eval config (`strawberry eval <file>`): which models, on which sets, how. One zod schema, the single
 * source of truth for every option and default; errors name the file, line and field path.
 *
 * ```yaml
 * name: my-eval
 * models:
 *   - campaign:my-campaign@final               # a registry entry: @final, @base, @<round>
 *   - { name: gpt-4o-mini, baseURL: https://api.openai.com/v1, model: gpt-4o-mini, apiKeyEnv: OPENAI_API_KEY }
 * sets:
 *   - { curriculum: ../curricula/gsm8k-test.yaml, limit: 200 }
 *   - { curriculum: ../curricula/arithmetic.yaml, procedures: [single-turn, multi-turn] }   # its held-out problems
 * samples: 8
 * ```
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseWithSchema, readYamlFile, locate, type YamlFile } from '../curriculum/yamlFile';
import { UserError } from '../errors';
import { endpointFields, referenceModelSchema, type ReferenceModelSpec } from './referenceModel';

export { referenceModelSchema, type ReferenceModelSpec };

const CAMPAIGN_REF_RE = /^campaign:([A-Za-z0-9._-]+)@(final|base|\d+)$/;

export const campaignModelSchema = z
  .object({
    campaign: z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected a campaign name'),
    /** `final` (the last promoted model), `base` (round 0) or the round whose candidate to take. */
    round: z.union([z.literal('final'), z.literal('base'), z.number().int().min(0)]).default('final'),
    name: z.string().min(1).optional(),
    /** A demo config to run (`strawberry demo --name <campaign>`) when the run store has no such campaign. */
    demoIfMissing: z.string().min(1).optional(),
    ...endpointFields,
  })
  .strict();

/** `campaign:NAME@ROUND` is shorthand for `{campaign: NAME, round: ROUND}`. */
const modelSchema = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const m = CAMPAIGN_REF_RE.exec(v);
    if (!m) return v;
    return { campaign: m[1], round: /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2] };
  },
  z.union([campaignModelSchema, referenceModelSchema], {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? typeof iss.input === 'string'
          ? `expected campaign:NAME@final|base|ROUND or {name, baseURL, model}, got ${JSON.stringify(iss.input)}`
          : 'expected a campaign model {campaign, round} or a reference model {name, baseURL, model, apiKeyEnv?}'
        : undefined,
  }),
);

export const PROCEDURES = ['single-turn', 'multi-turn'] as const;
export type Procedure = (typeof PROCEDURES)[number];

const setSchema = z
  .object({
    /** A curriculum file: an eval-only one (a test split: all its problems), or any other (its held-out problems). */
    curriculum: z.string().min(1),
    /** At most this many problems per level (a deterministic subsample, the same for every model). */
    limit: z.number().int().positive().optional(),
    /** Only these level ids. */
    levels: z.array(z.string().min(1)).min(1).optional(),
    procedures: z.array(z.enum(PROCEDURES)).min(1).optional(),
    /** Rows per skill as well (MATH-500: the subjects). */
    bySkill: z.boolean().default(false),
  })
  .strict();

export const evalConfigSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"'),
    description: z.string().optional(),
    /** Start the simulated provider for this eval (no keys): its base models, and the demo's sim state. */
    sim: z
      .object({
        models: z.array(z.object({ id: z.string().min(1), defaultAbility: z.number(), abilities: z.record(z.string(), z.number()).default({}) }).strict()).optional(),
      })
      .strict()
      .optional(),
    models: z.array(modelSchema).min(1, 'expected at least one model'),
    sets: z.array(setSchema).min(1, 'expected at least one set'),
    /** k: samples per problem (pass@1, pass@k and maj@k are reported for k = 1 and this). */
    samples: z.number().int().min(1).max(256).default(8),
    procedures: z.array(z.enum(PROCEDURES)).min(1).default(['single-turn']),
    temperature: z.number().min(0).max(2).default(0.7),
    maxTokens: z.number().int().positive().default(512),
    seed: z.number().int().min(0).default(0),
    /** The multi-turn procedure (lib/traces/generateTrace): the campaign's trace settings. */
    multiTurn: z
      .object({
        maxTurns: z.number().int().min(1).max(256).default(16),
        finalCheckEvery: z.number().int().min(1).default(2),
        verifyEvery: z.number().int().min(0).default(2),
        /** The verifier model, on the evaluated model's endpoint unless it names its own. */
        verifier: z.object({ model: z.string().min(1), baseURL: z.string().min(1).optional(), apiKeyEnv: z.string().optional() }).strict().optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    c.models.forEach((m, i) => {
      const n = modelName(m);
      if (names.has(n)) ctx.addIssue({ code: 'custom', path: ['models', i], message: `duplicate model name "${n}" (give it a \`name\`)` });
      names.add(n);
    });
    if (c.multiTurn.verifyEvery > 0 && !c.multiTurn.verifier && [...c.procedures, ...c.sets.flatMap((s) => s.procedures ?? [])].includes('multi-turn'))
      ctx.addIssue({ code: 'custom', path: ['multiTurn', 'verifier'], message: 'multi-turn with verifyEvery > 0 needs a verifier model (or verifyEvery: 0)' });
  });

export type EvalConfig = z.infer<typeof evalConfigSchema>;
export type ModelSpec = EvalConfig['models'][number];
export type CampaignModelSpec = z.infer<typeof campaignModelSchema>;
export type SetSpec = EvalConfig['sets'][number];

export function isCampaignModel(m: ModelSpec): m is CampaignModelSpec {
  return 'campaign' in m;
}

/** The name a model is shown (and keyed) under: its `name`, else `<campaign>@<round>`. */
export function modelName(m: ModelSpec): string {
  return isCampaignModel(m) ? (m.name ?? `${m.campaign}@${m.round}`) : m.name;
}

export interface LoadedEvalConfig extends EvalConfig {
  /** Absolute path of the config file. */
  configPath: string;
  /** Absolute paths of the sets' curricula, in `sets` order. */
  curriculumPaths: string[];
  yaml: YamlFile;
}

/**
 * Reads and checks an eval config. `${VAR}` in baseURLs is expanded from `env` (a missing variable is an
 * error at its field); curriculum paths are resolved against the config's directory.
 */
export async function loadEvalConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedEvalConfig> {
  const yaml = await readYamlFile(file);
  const config = parseWithSchema(yaml, evalConfigSchema);
  const dir = path.dirname(yaml.path);
  const expand = (value: string, where: PropertyKey[]) =>
    value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, v: string) => {
      const got = env[v];
      if (!got) throw new UserError(locate(yaml, where, `environment variable ${v} is not set`));
      return got;
    });
  config.models.forEach((m, i) => {
    if (m.baseURL) m.baseURL = expand(m.baseURL, ['models', i, 'baseURL']);
    if (isCampaignModel(m) && m.demoIfMissing) m.demoIfMissing = path.resolve(dir, m.demoIfMissing);
  });
  if (config.multiTurn.verifier?.baseURL) config.multiTurn.verifier.baseURL = expand(config.multiTurn.verifier.baseURL, ['multiTurn', 'verifier', 'baseURL']);
  const curriculumPaths = config.sets.map((s, i) => {
    const abs = path.resolve(dir, s.curriculum);
    if (!existsSync(abs)) throw new UserError(locate(yaml, ['sets', i, 'curriculum'], `no such file: ${abs}`));
    return abs;
  });
  return { ...config, configPath: yaml.path, curriculumPaths, yaml };
}
