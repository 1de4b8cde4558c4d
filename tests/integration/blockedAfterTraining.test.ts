import { ApplicationFailure } from '@temporalio/common';
import { unpauseSignal } from '../../workflows/messages';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * A round that blocks after its fine-tune succeeded (here: evaluation refused once, as a provider that has not
 * deployed the new model yet would) must not pay for a second job when `unpause` retries it.
 */
useRunsDir();

describe('a round blocked after training', () => {
  let h: CampaignHarness | undefined;
  afterAll(async () => h?.teardown());

  it('retries registration and evaluation with the model it trained, without a new fine-tune job', async () => {
    const real = (require('../../activities') as typeof import('../../activities')).evaluateModels;
    let refusals = 0;
    h = await startCampaignHarness({
      label: 'blocked-trained',
      configure: (c) => ({ ...c, stopping: { ...c.stopping, maxRounds: 1 } }),
      activityOverrides: {
        async evaluateModels(args) {
          if (args.candidate && refusals === 0) {
            refusals += 1;
            throw ApplicationFailure.nonRetryable(`model ${args.candidate} is not deployed yet`, 'ProviderRequestError');
          }
          return real(args);
        },
      },
    });
    const blocked = await h.waitForStatus((s) => s.phase === 'blocked', 'the round to block after training');
    expect(blocked.blockedReason).toMatch(/not deployed yet/);
    expect(h.sim.stats().jobsCreated).toBe(1);

    await h.handle!.signal(unpauseSignal);
    const outcome = await h.result();
    expect(outcome.rounds).toHaveLength(1);
    expect(outcome.rounds[0]!.outcome).toMatch(/promoted|rejected/);
    expect(refusals).toBe(1);
    // The retry went straight to registration and evaluation of the model already trained.
    expect(h.sim.stats().jobsCreated).toBe(1);
  });
});
