import type { Command } from 'commander';
import { campaignConfigPath } from '../../lib/campaign/resume';
import { kindQueueName, taskQueueFor, WORK_KINDS } from '../../lib/campaign/taskQueues';
import { loadCampaignConfig, providerFor, type ResolvedCampaignConfig } from '../../lib/config/load';
import { loadCurriculumFor } from '../../lib/config/curriculumFit';
import { CampaignConfigSchema } from '../../lib/config/schema';
import { displayPath, locate, readYamlFile } from '../../lib/curriculum/yamlFile';
import { UserError } from '../../lib/errors';
import { ModelRegistry, registryPath } from '../../lib/registry';
import { assertDeclaredRunStore, assertRunStoreFilesystem, DirectoryRunStore, storeLocation, type RunStore } from '../../lib/store';
import { assertWritableDir } from '../../lib/store/ensureDir';
import { campaignWorkflowId } from '../../workflows/campaign';
import { alreadyRunning, cliRunStore, startCampaign } from '../campaigns';

export { cliRunStore };
import { describeCampaign, webUiHint, withClient } from '../connect';
import { DEFAULT_TASK_QUEUE } from '../temporal/worker';


/** Every key the campaign's providers need must be set here (unless the workers run elsewhere: --no-key-check). */
export async function checkKeyVariables(config: ResolvedCampaignConfig, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const roles: ('student' | 'fineTune' | 'verifier')[] = ['student', 'fineTune', ...(config.traces.verifier ? (['verifier'] as const) : [])];
  const seen = new Set<string>();
  for (const role of roles) {
    const p = providerFor(config, role);
    if (p.apiKeyEnv === undefined) continue; // a local server without authentication
    if (seen.has(p.apiKeyEnv)) continue;
    seen.add(p.apiKeyEnv);
    if (env[p.apiKeyEnv]) continue;
    const field = ['providers', p.name, 'apiKeyEnv'];
    const message = `environment variable ${p.apiKeyEnv} is not set (the provider's API key; workers read it from their own environment; --no-key-check if they run elsewhere)`;
    const yaml = await readYamlFile(config.configPath).catch(() => undefined);
    throw new UserError(yaml ? locate(yaml, field, message) : `${displayPath(config.configPath)} ${field.join('.')}: ${message}`);
  }
}

/** Loads a campaign config (errors name file, line and field path), `--name` overriding its name. */
export async function loadConfigNamed(file: string, name?: string): Promise<ResolvedCampaignConfig> {
  const config = await loadCampaignConfig(file);
  if (name === undefined) return config;
  const checked = CampaignConfigSchema.shape.name.safeParse(name);
  if (!checked.success) throw new UserError(`--name ${JSON.stringify(name)}: ${checked.error.issues[0]!.message}`);
  return { ...config, name };
}

/** Keeps the resolved config next to the campaign's data once, so `resume` can rebuild the campaign. */
export async function keepConfigCopy(store: RunStore, config: ResolvedCampaignConfig): Promise<string> {
  const rel = campaignConfigPath(config.name);
  if (!(await store.exists(rel))) await store.writeJsonAtomic(rel, config);
  return rel;
}

/**
 * `start` begins a new campaign. A name whose run store already holds a campaign that ran (its registry
 * exists) would mix the two: old models in the registry, old datasets replayed, old round summaries read by
 * `resume` and `report`, and the old config copy kept. That campaign is continued with `resume` instead.
 */
export async function assertFreshRunStore(store: RunStore, name: string, ledger?: string): Promise<void> {
  const message = (where: string) => `campaign "${name}" already ran with this ${where}: \`strawberry resume ${name}\` continues it, --name <other> starts a new campaign`;
  if (await store.exists(registryPath(name))) throw new UserError(message(`run store (${storeLocation(store, name)})`));
  // With a PostgreSQL ledger the registry is a table there, and outlives a deleted run store.
  const registry = await ModelRegistry.load(store, name, { ledger });
  if (registry.entries().length > 0) throw new UserError(message(registry.path));
}

/** `strawberry start <config>`: validates the config and starts its campaign workflow on TEMPORAL_ADDRESS. */
export function registerStart(program: Command): void {
  program
    .command('start <config>')
    .description('start a campaign from a config file on the Temporal server of TEMPORAL_ADDRESS (workers: `strawberry worker`)')
    .option('--name <name>', 'campaign name (default: the config\'s `name`)')
    .option('--task-queue <queue>', 'task queue the workers serve', DEFAULT_TASK_QUEUE)
    .option('--no-key-check', 'do not require the providers\' API key variables here (workers run elsewhere)')
    .action(async (file: string, opts: { name?: string; taskQueue: string; keyCheck: boolean }) => {
      const config = await loadConfigNamed(file, opts.name);
      await loadCurriculumFor(config);
      if (opts.keyCheck) await checkKeyVariables(config);
      const store = cliRunStore();
      // The config goes into this store: it must be the one the campaign (and so its workers) expect.
      assertDeclaredRunStore(store, config.storage?.runStore, file);
      if (store instanceof DirectoryRunStore) await assertWritableDir(store.root, 'run store (STRAWBERRY_RUNS_DIR)');
      await assertRunStoreFilesystem(store, config.storage?.sharedFilesystem);
      await withClient(async (c) => {
        if ((await describeCampaign(c, config.name))?.status.name === 'RUNNING') throw alreadyRunning(config.name);
        await assertFreshRunStore(store, config.name, config.storage?.ledger);
        await keepConfigCopy(store, config);
        await startCampaign(c.client, { config }, { taskQueue: opts.taskQueue, store });
        const out = (line: string) => process.stdout.write(`${line}\n`);
        out(`Started campaign ${config.name}: workflow ${campaignWorkflowId(config.name)} on ${c.address}, task queue ${opts.taskQueue}`);
        out(`Run store: ${storeLocation(store, config.name)}`);
        out(webUiHint(c, config.name));
        out(`Follow it with \`strawberry status ${config.name} --watch\`; ${workersNeeded(opts.taskQueue, config)}.`);
      });
    });
}

/** Which workers the campaign needs: the main queue, and each kind of work on a queue of its own. */
function workersNeeded(taskQueue: string, config: ResolvedCampaignConfig): string {
  const flag = taskQueue === DEFAULT_TASK_QUEUE ? '' : ` --task-queue ${taskQueue}`;
  const kinds = WORK_KINDS.flatMap((kind) => {
    const q = taskQueueFor(config.temporal?.taskQueues, kind, taskQueue);
    return q ? [`${q} for ${kind} (\`strawberry worker${flag} --queues ${q === kindQueueName(taskQueue, kind) ? kind : q}\`)`] : [];
  });
  const main = `task queue ${taskQueue} (\`strawberry worker${flag}\`)`;
  return kinds.length ? `workers must serve ${main} and ${kinds.join(', ')}` : `a worker must serve ${main}`;
}
