import { Client, type Connection, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { WORKFLOW_SHAPE, type CampaignStart } from '../lib/campaign/types';
import { storeConfig } from '../lib/config/configStore';
import { openRunStore, runStoreUrlFromEnv, type RunStore } from '../lib/store';
import { UserError } from '../lib/errors';
import { campaignWorkflow, campaignWorkflowId } from '../workflows/campaign';
import { CampaignKey } from '../workflows/searchAttributes';
import { connectClientConnection, type TemporalTarget } from './temporal/connection';
import { DEFAULT_TASK_QUEUE } from './temporal/worker';

/** Talking to campaigns through the Temporal client: what `start`, `status`, `pause`, ... share. */

/** A client of the target's namespace, with its TLS and API key; a failure says why (cli/temporal/connection.ts). */
export async function connectClient(target: TemporalTarget): Promise<{ client: Client; connection: Connection }> {
  const connection = await connectClientConnection(target);
  return { client: new Client({ connection, namespace: target.namespace }), connection };
}

/** The run store the CLI reads and writes, as on workers: STRAWBERRY_RUN_STORE, else STRAWBERRY_RUNS_DIR (default `runs/`). */
export function cliRunStore(): RunStore {
  return openRunStore(runStoreUrlFromEnv());
}

/**
 * Starts a campaign workflow: the config is stored in the run store (content-addressed, the same store the
 * workers read) and the workflow gets its hash, so no history carries the config itself.
 */
export async function startCampaign(
  client: Client,
  start: CampaignStart,
  opts: { taskQueue?: string; store?: RunStore } = {},
): Promise<WorkflowHandle<typeof campaignWorkflow>> {
  const { config } = start;
  const configHash = await storeConfig(opts.store ?? cliRunStore(), config);
  try {
    return await client.workflow.start(campaignWorkflow, {
      workflowId: campaignWorkflowId(config.name),
      taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
      args: [{ shape: WORKFLOW_SHAPE, name: config.name, configHash, ...(start.state ? { state: { ...start.state, configHash } } : {}) }],
      staticSummary: `campaign ${config.name}: ${config.student.baseModel} on ${config.curriculum}`,
      staticDetails: [
        `## Campaign ${config.name}`,
        config.description ?? '',
        '',
        `- student: \`${config.student.baseModel}\` via provider \`${config.student.provider}\``,
        `- curriculum: \`${config.curriculumPath}\``,
        `- estimation: ${config.estimation.mode}, k = ${config.estimation.k}; band [${config.band.band.min}, ${config.band.band.max}]`,
        `- stopping: ${config.stopping.maxRounds} rounds max, ${config.stopping.maxRoundsWithoutPromotion} without promotion`,
        `- config: \`${configHash}\` (stored in the run store as ${config.name}/configs/${configHash}.json)`,
        start.state ? `- resumed at round ${start.state.round}` : '',
      ].join('\n'),
      typedSearchAttributes: [{ key: CampaignKey, value: config.name }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw alreadyRunning(config.name);
    throw err;
  }
}

export function alreadyRunning(name: string): UserError {
  return new UserError(`campaign "${name}" is already running (workflow ${campaignWorkflowId(name)}); use \`strawberry status ${name}\`, or --name for another one`);
}

export function campaignHandle(client: Client, name: string): WorkflowHandle<typeof campaignWorkflow> {
  return client.workflow.getHandle<typeof campaignWorkflow>(campaignWorkflowId(name));
}
