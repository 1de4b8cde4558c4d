import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { RoundContext } from '../lib/campaign/types';
import { providerFor } from '../lib/config/load';
import { ensureJob, fineTuneKey, type FineTuneJob } from '../lib/providers/fineTune';
import { dpoKey, ensureDpoJob, hyperparametersOf } from './dpoStage';
import { ModelRegistry } from '../lib/registry';
import { recordStep, roundDir } from '../lib/store';
import type { TrainingRecord } from '../lib/report/campaignReport';
import { scopeOf, stepRef } from './manifest';
import { activityLog, configOf, fineTuneProvider, runStore } from './deps';

/**
 * Exactly one job per round attempt: the upload is remembered in the run store, the intent is persisted
 * under the business key `<campaign>-r<n>-a<attempt>` before the job is created (without retries), and any
 * doubt is settled by listing jobs by that key and adopting what exists.
 */
export async function startFineTune({ ctx }: { ctx: RoundContext }): Promise<{ jobId: string; adopted: boolean }> {
  const store = runStore();
  const config = await configOf(ctx);
  const provider = fineTuneProvider(providerFor(config, 'fineTune'));
  const dataset = await stepRef(ctx, 'dataset');
  const dir = `${roundDir(ctx.campaign, ctx.round)}/fine-tune-a${ctx.attempt}`;
  await store.verify(dataset);

  let upload = (await store.exists(`${dir}/upload.json`)) ? await store.readJson<{ fileId: string; sha256: string }>(`${dir}/upload.json`) : undefined;
  if (!upload || upload.sha256 !== dataset.sha256) {
    const { fileId } = await provider.uploadDataset(await store.source(dataset), { name: `${ctx.campaign}-r${ctx.round}-a${ctx.attempt}.jsonl` });
    upload = { fileId, sha256: dataset.sha256 };
    await store.writeJsonAtomic(`${dir}/upload.json`, upload);
  }

  const ft = config.fineTune;
  // Round 1 trains the catalog base model; later rounds continue from the round's student (the model the
  // last promotion produced), each provider its own way (OpenAI `ft:` model, Together `from_checkpoint`,
  // Fireworks warm start). The registry knows the job that trained the parent (Together continues from it).
  const parent = ctx.model !== ctx.baseModel ? { model: ctx.model, jobId: (await ModelRegistry.load(store, ctx.campaign)).get(ctx.model)?.jobId } : undefined;
  const { job, adopted } = await ensureJob(
    provider,
    store,
    {
      baseModel: ctx.baseModel,
      ...(parent ? { parent: parent.jobId ? parent : { model: parent.model } } : {}),
      trainingFileId: upload.fileId,
      suffix: `${ctx.campaign}-r${ctx.round}`.slice(0, 40),
      // A DPO job's key ends in `-dpo` whichever method made it (Fireworks finds it in its own resource by that).
      key: ft.method === 'dpo' ? dpoKey(ctx.campaign, ctx.round, ctx.attempt) : fineTuneKey(ctx.campaign, ctx.round, ctx.attempt),
      seed: ctx.round,
      hyperparameters: hyperparametersOf(ft, ft.method === 'dpo' ? 'dpo' : 'sft'),
      // `dpo`: the dataset step recorded the preference file as the round's training file.
      ...(ft.method === 'dpo' ? { method: { type: 'dpo' as const, beta: ft.beta } } : {}),
      metadata: { strawberry_campaign: ctx.campaign, strawberry_round: String(ctx.round) },
    },
    { intentPath: `${dir}/intent.json` },
  );
  await recordStep(store, ctx.campaign, ctx.round, scopeOf(ctx), 'fineTune', { attempt: ctx.attempt, jobId: job.id, status: 'created' }, ctx.attempt);
  activityLog(ctx, 'fine-tune').info({ jobId: job.id, adopted, attempt: ctx.attempt, provider: provider.kind, parent: parent?.model }, adopted ? 'adopted an existing fine-tune job' : 'created a fine-tune job');
  return { jobId: job.id, adopted };
}

/**
 * One poll of a fine-tune job. Still running: a benign failure that Temporal retries at the poll interval
 * (retry-as-polling, no history per poll). Failed or cancelled: a non-retryable failure carrying the
 * provider's own error text, which blocks the campaign until a person decides. `sft-then-dpo`: once the SFT
 * job succeeded, the same poll ensures the round's DPO job from the SFT model (exactly once, under the key
 * `<key>-dpo`; dpoStage.ts) and polls that one; the round's model is the DPO job's.
 */
export async function waitForFineTune({ ctx, jobId }: { ctx: RoundContext; jobId: string }): Promise<{ model: string; jobId: string }> {
  const config = await configOf(ctx);
  const provider = providerFor(config, 'fineTune');
  const ft = fineTuneProvider(provider);
  let job = await ft.getJob(jobId);
  heartbeat({ status: job.providerStatus, attempt: Context.current().info.attempt });
  let stage: Stage = { file: 'training.json', method: config.fineTune.method === 'dpo' ? 'dpo' : 'sft' };
  if (job.status === 'succeeded' && config.fineTune.method === 'sft-then-dpo') {
    const sft = await succeeded(ctx, provider.name, job, stage, false);
    const dpo = await ensureDpoJob(ctx, config, ft, sft);
    if (!dpo) {
      await recordFineTune(ctx, { jobId: sft.jobId, status: 'succeeded', model: sft.model });
      return sft;
    }
    job = dpo;
    stage = { file: 'training-dpo.json', method: 'dpo' };
    heartbeat({ status: job.providerStatus, stage: 'dpo', attempt: Context.current().info.attempt });
  }
  if (job.status === 'succeeded') return succeeded(ctx, provider.name, job, stage, true);
  if (job.status === 'failed' || job.status === 'cancelled') {
    await recordFineTune(ctx, { jobId: job.id, status: 'failed', error: job.error ?? job.providerStatus });
    throw ApplicationFailure.nonRetryable(`fine-tune job ${job.id} ${job.status}: ${job.error ?? job.providerStatus}`, 'FineTuneJobFailed');
  }
  throw ApplicationFailure.create({
    message: `fine-tune job ${job.id} is ${job.providerStatus}`,
    type: 'FineTuneStillRunning',
    category: ApplicationFailureCategory.BENIGN,
  });
}

type Stage = { file: 'training.json' | 'training-dpo.json'; method: 'sft' | 'dpo' };

function recordFineTune(ctx: RoundContext, entry: { jobId: string; status: 'failed' | 'succeeded'; model?: string; error?: string }) {
  return recordStep(runStore(), ctx.campaign, ctx.round, scopeOf(ctx), 'fineTune', { attempt: ctx.attempt, ...entry }, ctx.attempt);
}

/** A succeeded job: its training record (for reports and the budget, lib/report), and, when `last`, the round's model in the manifest. */
async function succeeded(ctx: RoundContext, providerName: string, job: FineTuneJob, stage: Stage, last: boolean): Promise<{ model: string; jobId: string }> {
  if (!job.fineTunedModel) {
    await recordFineTune(ctx, { jobId: job.id, status: 'failed', error: 'succeeded without a model id' });
    throw ApplicationFailure.nonRetryable(`fine-tune job ${job.id} succeeded without a model id`, 'FineTuneJobFailed');
  }
  const training: TrainingRecord = { jobId: job.id, model: job.fineTunedModel, baseModel: ctx.baseModel, provider: providerName, attempt: ctx.attempt, method: stage.method };
  if (job.trainedTokens !== undefined) training.trainedTokens = job.trainedTokens;
  if (job.providerPrice !== undefined) training.providerPrice = job.providerPrice;
  await runStore().writeJsonAtomic(`${roundDir(ctx.campaign, ctx.round)}/fine-tune-a${ctx.attempt}/${stage.file}`, training);
  if (last) await recordFineTune(ctx, { jobId: job.id, status: 'succeeded', model: job.fineTunedModel });
  return { model: job.fineTunedModel, jobId: job.id };
}
