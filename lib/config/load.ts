import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { TOGETHER_HARDWARE_REQUIRED } from '../providers/together/serving';
import { locate, parseWithSchema, readYamlFile, type YamlFile } from '../curriculum/yamlFile';
import { CampaignConfigSchema, type CampaignConfig } from './schema';

/** A validated campaign config with its paths made absolute: what a campaign workflow is started with. */
export interface ResolvedCampaignConfig extends CampaignConfig {
  /** Absolute path of the config file it came from. */
  configPath: string;
  /** Absolute path of the curriculum file (workers must see the same path). */
  curriculumPath: string;
}

/** The baseURLs a campaign config names: each provider's and each endpoint reference's (`evaluation.references`). */
function baseURLHolders(value: unknown): { where: PropertyKey[]; holder: { baseURL?: unknown } }[] {
  const v = value as { providers?: Record<string, { baseURL?: unknown }>; evaluation?: { references?: { baseURL?: unknown }[] } } | null;
  const out: { where: PropertyKey[]; holder: { baseURL?: unknown } }[] = [];
  if (v?.providers && typeof v.providers === 'object')
    for (const [name, p] of Object.entries(v.providers)) if (p && typeof p === 'object') out.push({ where: ['providers', name, 'baseURL'], holder: p });
  const refs = v?.evaluation?.references;
  if (Array.isArray(refs)) refs.forEach((r, i) => r && typeof r === 'object' && out.push({ where: ['evaluation', 'references', i, 'baseURL'], holder: r }));
  return out;
}

/**
 * `${VAR}` in a baseURL (a provider's, an endpoint reference's) is expanded from the environment of whoever
 * starts the campaign. Returns the variables each baseURL used (by its field path), so a key variable can be
 * refused once the schema has run.
 */
function expandEnv(file: YamlFile, env: NodeJS.ProcessEnv): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const { where, holder } of baseURLHolders(file.value)) {
    if (typeof holder.baseURL !== 'string') continue;
    const vars: string[] = [];
    holder.baseURL = holder.baseURL.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v: string) => {
      const value = env[v];
      if (!value) throw new UserError(locate(file, where, `environment variable ${v} is not set`));
      vars.push(v);
      return value;
    });
    used.set(where.join('.'), vars);
  }
  return used;
}

/**
 * The expanded baseURL travels in the workflow input (history, Web UI): it must carry no key, neither from a
 * key variable nor as `user:password@` credentials.
 */
function refuseSecretsInBaseURL(file: YamlFile, config: CampaignConfig, used: Map<string, string[]>): void {
  const keyVars = new Set([...Object.values(config.providers).map((p) => p.apiKeyEnv), ...config.evaluation.references.map((r) => ('apiKeyEnv' in r ? r.apiKeyEnv : undefined))]);
  for (const { where, holder } of baseURLHolders(config)) {
    if (typeof holder.baseURL !== 'string') continue;
    const keyVar = used.get(where.join('.'))?.find((v) => keyVars.has(v));
    if (keyVar) throw new UserError(locate(file, where, `uses \${${keyVar}}, an API key variable; keys are read by workers from apiKeyEnv and must not be part of the URL`));
    if (/^[a-z]+:\/\/[^/?#]*@/i.test(holder.baseURL)) throw new UserError(locate(file, where, 'must not carry credentials (user:password@); name the key variable in apiKeyEnv'));
  }
}

export async function loadCampaignConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedCampaignConfig> {
  const yaml = await readYamlFile(file);
  const used = expandEnv(yaml, env);
  const config = parseWithSchema(yaml, CampaignConfigSchema);
  refuseSecretsInBaseURL(yaml, config, used);

  const refs: [readonly PropertyKey[], string | undefined][] = [
    [['student', 'provider'], config.student.provider],
    [['fineTune', 'provider'], config.fineTune.provider],
    [['traces', 'verifier', 'provider'], config.traces.verifier?.provider],
    ...config.evaluation.references.map((r, i): [readonly PropertyKey[], string | undefined] => [['evaluation', 'references', i, 'provider'], 'provider' in r ? r.provider : undefined]),
  ];
  for (const [where, name] of refs) {
    if (name !== undefined && !config.providers[name]) {
      const known = Object.keys(config.providers);
      throw new UserError(locate(yaml, where, `unknown provider "${name}" (defined: ${known.length ? known.join(', ') : 'none'})`));
    }
  }
  const trainer = providerFor(config, 'fineTune');
  if (trainer.kind === 'together' && trainer.serving.mode === 'dedicated' && !trainer.serving.hardware) {
    throw new UserError(locate(yaml, ['providers', trainer.name, 'serving', 'hardware'], TOGETHER_HARDWARE_REQUIRED));
  }
  const curriculumPath = path.resolve(path.dirname(yaml.path), config.curriculum);
  if (!existsSync(curriculumPath)) throw new UserError(locate(yaml, ['curriculum'], `no such file: ${curriculumPath}`));
  // Eval sets named by the user must exist (their data is read on the worker); resolved like the curriculum.
  const sets = config.dataset.contamination.sets?.map((file, i) => {
    const abs = path.resolve(path.dirname(yaml.path), file);
    if (!existsSync(abs)) throw new UserError(locate(yaml, ['dataset', 'contamination', 'sets', i], `no such file: ${abs}`));
    return abs;
  });
  const contamination = { ...config.dataset.contamination, ...(sets ? { sets } : {}) };
  return { ...config, dataset: { ...config.dataset, contamination }, configPath: yaml.path, curriculumPath };
}

/** The provider config by name, for the student, the fine-tune and the verifier roles. */
export function providerFor(config: CampaignConfig, role: 'student' | 'fineTune' | 'verifier') {
  const name =
    role === 'fineTune' ? (config.fineTune.provider ?? config.student.provider) : role === 'verifier' ? (config.traces.verifier?.provider ?? config.student.provider) : config.student.provider;
  return { name, ...config.providers[name]! };
}

/** Names of the environment variables holding keys this campaign needs; none of them may be unset. */
export function requiredKeyVariables(config: CampaignConfig): string[] {
  const roles: ('student' | 'fineTune' | 'verifier')[] = ['student', 'fineTune', ...(config.traces.verifier ? (['verifier'] as const) : [])];
  const references = config.evaluation.references.map((r) => ('baseURL' in r ? r.apiKeyEnv : config.providers[r.provider ?? config.student.provider]?.apiKeyEnv));
  return [...new Set([...roles.map((r) => providerFor(config, r).apiKeyEnv), ...references].filter((v): v is string => v !== undefined))];
}
