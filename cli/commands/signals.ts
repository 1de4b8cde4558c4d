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
    description: 'end a campaign: the running round is cancelled, the registry and run store keep what was done',
    done: 'cancel sent: the running round is cancelled and the campaign ends',
  },
} as const;

/** `strawberry pause|unpause|cancel <name>`: the campaign workflow's signals. */
export function registerSignals(program: Command): void {
  for (const [command, { signal, description, done }] of Object.entries(SIGNALS)) {
    program
      .command(`${command} <name>`)
      .description(description)
      .action(async (name: string) => {
        await withClient(async (c) => {
          await requireRunningCampaign(c, name);
          await campaignHandle(c.client, name).signal(signal);
          process.stdout.write(`campaign ${name}: ${done}\n`);
        });
      });
  }
}
