import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities/healthCheck';

const { ping } = proxyActivities<typeof activities>({ startToCloseTimeout: '30 seconds' });

/** The smallest round trip through server, worker and activity: proves a deployment can run workflows. */
export async function healthCheckWorkflow(message: string): Promise<string> {
  const reply = await ping(message);
  return `workflow saw: ${reply}`;
}
