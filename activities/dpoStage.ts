import type { RoundContext } from '../lib/campaign/types';
import { ensureJob, fineTuneKey, type FineTuneJob, type FineTuneProvider } from '../lib/providers/fineTune';
import { readManifest, roundDir } from '../lib/store';
import { scopeOf } from './manifest';
import { activityLog, configOf, runStore } from './deps';

type Config = Awaited<ReturnType<typeof configOf>>;

/** A job's hyperparameters: `fineTune`'s, and for a DPO job `fineTune.dpo`'s where it sets them. */
export function hyperparametersOf(ft: Config['fineTune'], stage: 'sft' | 'dpo') {
  const own = stage === 'dpo' ? ft.dpo ?? {} : {};
  return {
    nEpochs: own.nEpochs ?? ft.nEpochs,
    learningRateMultiplier: own.learningRateMultiplier ?? ft.learningRateMultiplier,
    learningRate: own.learningRate ?? ft.learningRate,
    batchSize: own.batchSize ?? ft.batchSize,
  };
}

/**
 * The business key of a round attempt's DPO job (`dpo`, and the second job of `sft-then-dpo`): its own, so each
 * job exists once, and recognisable (providers with a separate preference resource look there for it).
 */
export function dpoKey(campaign: string, round: number, attempt: number): string {
  return `${fineTuneKey(campaign, round, attempt)}-dpo`;
}

/**
 * The DPO job of `sft-then-dpo`, from the SFT job's model: the preference file is uploaded once (remembered in
 * `upload-dpo.json`), the job is created once through `ensureJob` with its own intent (`intent-dpo.json`), so
 * every later poll, retry or worker crash adopts it. Undefined when the round made too few pairs: the SFT
 * model is then the round's.
 */
export async function ensureDpoJob(ctx: RoundContext, config: Config, provider: FineTuneProvider, sft: { model: string; jobId: string }): Promise<FineTuneJob | undefined> {
  const store = runStore();
  const prefs = (await readManifest(store, ctx.campaign, ctx.round, scopeOf(ctx))).dataset?.preferences;
  if (!prefs) return undefined;
  const dir = `${roundDir(ctx.campaign, ctx.round)}/fine-tune-a${ctx.attempt}`;
  const intentPath = `${dir}/intent-dpo.json`;
  let upload = (await store.exists(`${dir}/upload-dpo.json`)) ? await store.readJson<{ fileId: string; sha256: string }>(`${dir}/upload-dpo.json`) : undefined;
  if (!upload || upload.sha256 !== prefs.sha256) {
    await store.verify(prefs);
    const { fileId } = await provider.uploadDataset(await store.source(prefs), { name: `${ctx.campaign}-r${ctx.round}-a${ctx.attempt}-preferences.jsonl` });
    upload = { fileId, sha256: prefs.sha256 };
    await store.writeJsonAtomic(`${dir}/upload-dpo.json`, upload);
  }
  const ft = config.fineTune;
  const fresh = !(await store.exists(intentPath));
  const { job, adopted } = await ensureJob(
    provider,
    store,
    {
      baseModel: ctx.baseModel,
      parent: sft,
      trainingFileId: upload.fileId,
      suffix: `${ctx.campaign}-r${ctx.round}-dpo`.slice(0, 40),
      key: dpoKey(ctx.campaign, ctx.round, ctx.attempt),
      seed: ctx.round,
      hyperparameters: hyperparametersOf(ft, 'dpo'),
      method: { type: 'dpo', beta: ft.beta },
      metadata: { strawberry_campaign: ctx.campaign, strawberry_round: String(ctx.round), strawberry_stage: 'dpo' },
    },
    { intentPath },
  );
  if (fresh) activityLog(ctx, 'fine-tune').info({ jobId: job.id, adopted, sft: sft.jobId, parent: sft.model }, adopted ? 'adopted the round\'s DPO job' : 'created the round\'s DPO job (sft-then-dpo)');
  return job;
}
