import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FineTuneIntent } from '../../lib/providers/fineTune/ensureJob';
import { cancelSignal, unpauseSignal } from '../../workflows/messages';
import { PhaseKey } from '../../workflows/searchAttributes';
import { recordHistory } from '../helpers/recordHistory';
import { startCampaignHarness, useRunsDir, waitFor, type CampaignHarness } from '../helpers/campaignHarness';

/**
 * Failures on a running campaign need a person: a failed fine-tune job and a provider that refuses the key
 * both leave the campaign `blocked` with the provider's own words; `unpause` retries, `cancel` ends it.
 */
const runsDir = useRunsDir();

/** The sim's text for a job that fails while running (sim/routes/fineTuning.ts). */
const SIM_JOB_FAILURE = 'The fine-tuning job failed (simulated provider failure).';
const UNAUTHORIZED = 'Incorrect API key provided: sk-te***ward. You can find your API key at https://platform.openai.com/account/api-keys.';

/** Fine-tune jobs the sim holds for one round of a campaign (listed by the metadata the activity sets). */
async function simJobsOfRound(h: CampaignHarness, round: number): Promise<{ id: string; status: string }[]> {
  const q = new URLSearchParams({ limit: '100', 'metadata[strawberry_campaign]': h.name, 'metadata[strawberry_round]': String(round) });
  const res = await fetch(`${h.sim.baseURL}/fine_tuning/jobs?${q}`, { headers: { authorization: `Bearer ${process.env.STRAWBERRY_SIM_KEY}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { id: string; status: string }[] }).data;
}

describe('campaign failures that need a person', () => {
  let h: CampaignHarness | undefined;
  const servers: Server[] = [];
  afterEach(async () => {
    await h?.teardown();
    h = undefined;
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('a failed fine-tune job blocks the campaign with the provider error; unpause retries and the round completes', async () => {
    h = await startCampaignHarness({ label: 'job-failure', simConfig: { jobs: { failureRate: 1 } } });

    const blocked = await h.waitForStatus((s) => s.phase === 'blocked', 'the campaign to be blocked by the failed job');
    expect(blocked.round).toBe(1);
    expect(blocked.blockedReason).toContain(SIM_JOB_FAILURE);
    await waitFor(
      async () => (await h!.handle!.describe()).typedSearchAttributes.get(PhaseKey) === 'blocked',
      'the Phase search attribute to say blocked',
      { timeoutMs: 10_000 },
    );
    expect(h.sim.stats().jobsCreated).toBe(1);

    // The provider recovers (RunningSim.config is the live config), then a person unpauses.
    h.sim.config.jobs.failureRate = 0;
    await h.handle!.signal(unpauseSignal);
    const outcome = await h.result();

    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(['promoted', 'rejected']).toContain(outcome.rounds[0]!.outcome);
    // Round 1: attempt 1 failed, attempt 2 (a new business key) succeeded; each attempt left its intent.
    const jobs = await simJobsOfRound(h, 1);
    expect(jobs.map((j) => j.status).sort()).toEqual(['failed', 'succeeded']);
    const intents = [1, 2].map(
      (a) => JSON.parse(readFileSync(path.join(runsDir, h!.name, 'round-1', `fine-tune-a${a}`, 'intent.json'), 'utf8')) as FineTuneIntent,
    );
    expect(intents.map((i) => i.key)).toEqual([expect.stringMatching(/-a1$/), expect.stringMatching(/-a2$/)]);
    expect(new Set(intents.map((i) => i.job?.id))).toEqual(new Set(jobs.map((j) => j.id)));
    const round2Jobs = outcome.rounds[1]!.outcome === 'promoted' || outcome.rounds[1]!.outcome === 'rejected' ? 1 : 0;
    expect(h.sim.stats().jobsCreated).toBe(2 + round2Jobs);
    expect((await h.status()).blockedReason).toBeUndefined();
    await recordHistory(h.client, 'campaign-blocked-unpause.json', `campaign/${h.name}`, h.handle!.firstExecutionRunId);
    await recordHistory(h.client, 'round-1-after-unpause.json', `campaign/${h.name}/round/1`);
  });

  it('a provider that answers 401 blocks the campaign with its message; cancel ends it', async () => {
    const refusing = createServer((req, res) => {
      req.resume();
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: UNAUTHORIZED, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }));
    });
    servers.push(refusing);
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const baseURL = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1`;

    h = await startCampaignHarness({
      label: 'unauthorized',
      configure: (c) => ({ ...c, providers: { ...c.providers, sim: { ...c.providers.sim!, baseURL } } }),
    });
    const blocked = await h.waitForStatus((s) => s.phase === 'blocked', 'the campaign to be blocked by the 401');
    expect(blocked.blockedReason).toContain('Incorrect API key provided');
    expect(blocked.blockedReason).toMatch(/401/);
    expect(h.sim.stats().requests).toBe(0);

    await h.handle!.signal(cancelSignal);
    const outcome = await h.result();
    expect(outcome.stopReason).toMatch(/cancelled/);
    expect(outcome.rounds).toEqual([]);
    expect((await h.status()).phase).toBe('cancelled');
    await recordHistory(h.client, 'campaign-blocked-cancel.json', `campaign/${h.name}`, h.handle!.firstExecutionRunId);
    await recordHistory(h.client, 'round-1-blocked-401.json', `campaign/${h.name}/round/1`);
  });
});
