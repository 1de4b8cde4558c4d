import { Client, Connection, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import type { CampaignInput } from '../lib/campaign/types';
import type { ResolvedCampaignConfig } from '../lib/config/load';
import { UserError } from '../lib/errors';
import { campaignWorkflow, campaignWorkflowId } from '../workflows/campaign';
import { CampaignKey } from '../workflows/searchAttributes';
import { DEFAULT_TASK_QUEUE } from './temporal/worker';

/** Talking to campaigns through the Temporal client: what `start`, `status`, `pause`, ... share. */

export async function connectClient(address: string, namespace: string): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace }), connection };
}

export async function startCampaign(
  client: Client,
  input: CampaignInput,
  opts: { taskQueue?: string } = {},
): Promise<WorkflowHandle<typeof campaignWorkflow>> {
  const config: ResolvedCampaignConfig = input.config;
  try {
    return await client.workflow.start(campaignWorkflow, {
      workflowId: campaignWorkflowId(config.name),
      taskQueue: opts.taskQueue ?? DEFAULT_TASK_QUEUE,
      args: [input],
      staticSummary: `campaign ${config.name}: ${config.student.baseModel} on ${config.curriculum}`,
      staticDetails: [
        `## Campaign ${config.name}`,
        config.description ?? '',
        '',
        `- student: \`${config.student.baseModel}\` via provider \`${config.student.provider}\``,
        `- curriculum: \`${config.curriculumPath}\``,
        `- estimation: ${config.estimation.mode}, k = ${config.estimation.k}; band [${config.band.band.min}, ${config.band.band.max}]`,
        `- stopping: ${config.stopping.maxRounds} rounds max, ${config.stopping.maxRoundsWithoutPromotion} without promotion`,
        input.state ? `- resumed at round ${input.state.round}` : '',
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
