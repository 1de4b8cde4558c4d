import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelRegistry } from '../../lib/registry';
import { openRunStore, readManifest, roundDir } from '../../lib/store';
import { startCampaignHarness, useRunsDir, type CampaignHarness } from '../helpers/campaignHarness';
import { describeUnless } from '../helpers/skip';
import { freshS3Url, testS3, useTestS3Env } from '../helpers/testS3';

/**
 * A short sim campaign whose run store is an S3-compatible object store (the real server of
 * scripts/s3-up.sh): configs, manifests, traces, datasets and the registry go to `s3://...`, the fine-tune
 * upload reads the dataset from the bucket, and nothing is written to the directory store. The activities read
 * STRAWBERRY_RUN_STORE once per process, so it is set here, before the harness loads them. The ledger cannot
 * live in an object store: STRAWBERRY_LEDGER puts it in SQLite on local disk.
 */

const s3 = testS3();
const skip = s3.reason;
const runsDir = useRunsDir();
const storeUrl = s3.s3 ? freshS3Url(s3.s3, 'campaign') : '';
if (s3.s3) {
  useTestS3Env(s3.s3);
  process.env.STRAWBERRY_RUN_STORE = storeUrl;
  process.env.STRAWBERRY_LEDGER = `sqlite://${mkdtempSync(path.join(os.tmpdir(), 'strawberry-s3-ledger-'))}`;
}

describeUnless(s3.reason)('a campaign that declares another run store', () => {
  let h: CampaignHarness | undefined;
  afterAll(() => h?.teardown());

  it("fails at its first activity, naming both stores, when the worker's store is not storage.runStore", async () => {
    h = await startCampaignHarness({ label: 's3-other', configure: (c) => ({ ...c, storage: { runStore: 's3://another-bucket/runs', sharedFilesystem: false } }) });
    const err = await h.result().then(() => undefined, (e: unknown) => e);
    // The activity's UserError is not retried: the campaign fails with it as the cause.
    const messages: string[] = [];
    for (let e = err as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) messages.push(String(e.message));
    expect(messages.join(' <- ')).toContain(`the campaign's storage.runStore is s3://another-bucket/runs, but this process's run store is ${storeUrl}; set STRAWBERRY_RUN_STORE=s3://another-bucket/runs here`);
  }, 120_000);
});

describeUnless(skip)('a campaign with an S3 run store', () => {
  let h: CampaignHarness | undefined;
  afterAll(() => h?.teardown());

  it('runs 2 rounds with everything in the bucket, the declared store checked, and nothing in the directory', async () => {
    h = await startCampaignHarness({ label: 's3', configure: (c) => ({ ...c, storage: { runStore: storeUrl, sharedFilesystem: false } }) });
    const outcome = await h.result();
    expect(outcome.rounds.map((r) => r.round)).toEqual([1, 2]);

    const store = openRunStore(storeUrl);
    const registry = await ModelRegistry.load(store, h.name);
    expect(registry.lineage()[0]).toMatchObject({ status: 'base', modelId: 'sim-student' });
    const trained = outcome.rounds.filter((r) => r.outcome === 'promoted' || r.outcome === 'rejected');
    expect(trained.length).toBeGreaterThan(0);
    for (const r of trained) {
      const m = await readManifest(store, h.name, r.round, { model: registry.get(r.model)?.parent ?? 'sim-student', frontier: r.frontier });
      const ref = m.dataset?.ref;
      expect(ref?.uri).toMatch(new RegExp(`^${storeUrl}/${roundDir(h.name, r.round)}/dataset\\.jsonl$`));
      await store.verify(ref!);
      expect((await store.readJsonl(ref!)).length).toBe(ref!.count);
      expect(await store.exists(`${roundDir(h.name, r.round)}/fine-tune-a1/upload.json`)).toBe(true);
    }
    expect(await openRunStore(`file://${runsDir}`).list(`${h.name}/`)).toEqual([]);
  }, 300_000);
});
