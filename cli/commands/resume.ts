import type { Command } from 'commander';
import { buildResumeInput } from '../../lib/campaign/resume';
import { UserError } from '../../lib/errors';
import { campaignWorkflowId } from '../../workflows/campaign';
import { campaignHandle, startCampaign } from '../campaigns';
import { describeCampaign, webUiHint, withClient } from '../connect';
import { DEFAULT_TASK_QUEUE } from '../temporal/worker';
import { checkKeyVariables, cliRunStore, loadConfigNamed } from './start';

/**
 * `strawberry resume <name>`: after a failure, cancellation or termination, starts the campaign again (same
 * workflow id) after its last completed round, from the run store; the ledger makes drawn samples free.
 */
export function registerResume(program: Command): void {
  program
    .command('resume <name>')
    .description('start a failed, cancelled or terminated campaign again after its last completed round (from the run store)')
    .option('--config <file>', "use this config instead of the copy kept in the run store (<runs>/<name>/config.json)")
    .option('--task-queue <queue>', 'task queue the workers serve (default: the one the campaign ran on)')
    .option('--no-key-check', 'do not require the providers\' API key variables here (workers run elsewhere)')
    .option('--terminate', 'terminate the campaign\'s workflow first if it still runs (e.g. one started by an older release, which this release\'s workers cannot replay)')
    .action(async (name: string, opts: { config?: string; taskQueue?: string; keyCheck: boolean; terminate?: boolean }) => {
      const override = opts.config ? await loadConfigNamed(opts.config, name) : undefined;
      await withClient(async (c) => {
        let previous = await describeCampaign(c, name);
        if (previous?.status.name === 'RUNNING' && opts.terminate) {
          // Its running round is a child workflow: the default parent-close policy terminates it too.
          await campaignHandle(c.client, name).terminate(`strawberry resume ${name} --terminate`);
          previous = await describeCampaign(c, name);
        }
        if (previous?.status.name === 'RUNNING') {
          throw new UserError(
            `campaign "${name}" is still running (workflow ${campaignWorkflowId(name)}); \`strawberry status ${name}\` shows it, \`strawberry cancel ${name}\` ends it (or \`strawberry resume ${name} --terminate\` when its workers cannot run it)`,
          );
        }
        const store = cliRunStore();
        const input = await buildResumeInput(store, name, override);
        if (opts.keyCheck) await checkKeyVariables(input.config);
        const taskQueue = opts.taskQueue ?? previous?.taskQueue ?? DEFAULT_TASK_QUEUE;
        await startCampaign(c.client, input, { taskQueue, store });
        const out = (line: string) => process.stdout.write(`${line}\n`);
        const from = input.state
          ? `round ${input.state.round} (after ${input.state.round - 1} completed), frontier level ${input.state.frontier}, model ${input.state.currentModel}`
          : 'round 1 (no completed round in the run store; drawn samples are reused from the ledger)';
        out(`Resumed campaign ${name}${previous ? ` (was ${previous.status.name})` : ''} at ${from}`);
        out(`Workflow ${campaignWorkflowId(name)} on ${c.address}, task queue ${taskQueue}`);
        out(webUiHint(c, name));
      });
    });
}
