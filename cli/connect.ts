import type { Client, Connection, WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { UserError } from '../lib/errors';
import { campaignWorkflowId } from '../workflows/campaign';
import { campaignHandle, connectClient } from './campaigns';
import { requireTargetFromEnv, type TemporalTarget } from './temporal/connection';

/**
 * How the campaign commands (`start`, `status`, `pause`, ...) find the Temporal server: TEMPORAL_ADDRESS
 * (+ TEMPORAL_NAMESPACE, TLS and API key: cli/temporal/connection.ts), never a throwaway server of their own,
 * since a campaign started there would vanish with this process.
 */
export type ServerTarget = TemporalTarget;

export function serverFromEnv(env: NodeJS.ProcessEnv = process.env): ServerTarget {
  return requireTargetFromEnv(env);
}

export interface Connected extends ServerTarget {
  client: Client;
  connection: Connection;
}

/** Connects to the server of TEMPORAL_ADDRESS, runs `fn`, closes the connection. */
export async function withClient<T>(fn: (c: Connected) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const target = serverFromEnv(env);
  const connected = await connectClient(target);
  try {
    return await fn({ ...target, ...connected });
  } finally {
    await connected.connection.close();
  }
}

/** The latest run of a campaign's workflow; an unknown campaign is a user mistake (exit 2). */
export async function describeCampaign(c: Connected, name: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await campaignHandle(c.client, name).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

export async function requireCampaign(c: Connected, name: string): Promise<WorkflowExecutionDescription> {
  const d = await describeCampaign(c, name);
  if (!d) throw new UserError(`no campaign "${name}" on ${c.address} (namespace ${c.namespace}): workflow ${campaignWorkflowId(name)} not found; \`strawberry list --all\` shows the campaigns`);
  return d;
}

/** Signals and updates need a running campaign; a finished one says how it ended and what to do. */
export async function requireRunningCampaign(c: Connected, name: string): Promise<WorkflowExecutionDescription> {
  const d = await requireCampaign(c, name);
  if (d.status.name !== 'RUNNING') {
    throw new UserError(`campaign "${name}" is not running (its workflow is ${d.status.name}); \`strawberry resume ${name}\` starts it again from its last completed round`);
  }
  return d;
}

/** The Web UI page of a campaign, when the address looks like a local dev server (UI port unknown otherwise). */
export function webUiHint(c: ServerTarget, name: string): string {
  const ui = process.env.TEMPORAL_UI_URL;
  const pathPart = `/namespaces/${c.namespace}/workflows/${encodeURIComponent(campaignWorkflowId(name))}`;
  return ui ? `Web UI: ${ui.replace(/\/+$/, '')}${pathPart}` : `Web UI: <your Temporal Web UI>${pathPart} (set TEMPORAL_UI_URL to get the full link; \`strawberry dev\` prints it)`;
}
