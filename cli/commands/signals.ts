import type { Command } from 'commander';
import { cancelSignal, pauseSignal, unpauseSignal } from '../../workflows/messages';
import { campaignHandle } from '../campaigns';
import { requireRunningCampaign, withClient } from '../connect';

const SIGNALS = {
  pause: { signal: pauseSignal, description: 'pause a campaign at the next phase boundary', done: 'pause requested: it stops at the next phase boundary' },
  unpause: {
    signal: unpauseSignal,
    description: "go on after pause; after `blocked`, retry the round's failed step",
    done: 'unpause sent: it goes on (a blocked round retries its failed step)',
  },
  cancel: {
    signal: cancelSignal,
    description:
      'end a campaign: the running round and its provider job are cancelled, the deployments the campaign created are torn down (unless --keep-deployments); the registry and run store keep what was done',
    done: 'cancel sent: the running round and its provider job are cancelled and the campaign ends',
  },
} as const;

/** `strawberry pause|unpause|cancel <name>`: the campaign workflow's signals. */
export function registerSignals(program: Command): void {
  for (const [command, { signal, description, done }] of Object.entries(SIGNALS)) {
    const cmd = program.command(`${command} <name>`).description(description);
    if (command === 'cancel') cmd.option('--keep-deployments', 'leave the deployments the campaign created running');
    cmd.action(async (name: string, opts: { keepDeployments?: boolean }) => {
      await withClient(async (c) => {
        await requireRunningCampaign(c, name);
        const handle = campaignHandle(c.client, name);
        if (signal === cancelSignal) await handle.signal(cancelSignal, { keepDeployments: opts.keepDeployments === true });
        else await handle.signal(signal as typeof pauseSignal);
        process.stdout.write(`campaign ${name}: ${done}${command === 'cancel' && opts.keepDeployments ? ' (deployments kept)' : ''}\n`);
      });
    });
  }
}
