/**
 * `npm run check:selfhosted` (issue 22): config/selfhosted-trl.yaml run for real on this machine. Slurm comes up
 * (scripts/slurm-up.sh), one extra job is submitted through the provider and cancelled (scancel), the base model
 * is trained from scratch by the campaign's own training command AS A SLURM JOB (cached by key: a rerun adopts
 * it, and then N counts one job less), recipes/trl/serve.py serves, and the campaign runs 2 rounds under Temporal
 * with its worker in a child process (`strawberry worker`), SIGKILLed once while a round's Slurm job runs and
 * replaced: the job must be adopted (one sacct job of its name). Then a second campaign whose replay file has a
 * bad line must block with Slurm's reason. Slurm is left running (other checkouts share .strawberry/slurm).
 *
 * Last line: `selfhosted: trl rounds R, served S, slurm submitted N adopted D cancelled C failed-blocked B`; exit 1
 * naming every condition that failed. N is counted from sacct (jobs of this check's names submitted since it began).
 * Files: runs/selfhosted-check/<stamp>/ (store, worker logs), jobs in runs/selfhosted-check/jobs/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ServiceError, type Client } from '@temporalio/client';
import { connectClient, startCampaign } from '../cli/campaigns';
import { startDevServer } from '../cli/temporal/devServer';
import type { RoundSummary } from '../lib/campaign/types';
import { loadCampaignConfig, type ResolvedCampaignConfig } from '../lib/config/load';
import { fineTuneKey } from '../lib/providers/businessKey';
import { LocalJobStore, LocalProvider, localJobId, SlurmCli, SlurmTrainingJobs, startLocalServer, trlRecipeDir, trlVenvDir, type LocalProviderConfig } from '../lib/providers/local';
import type { FineTuneJob } from '../lib/providers/types';
import { COT_SYSTEM_PROMPT, STEP_SYSTEM_PROMPT } from '../lib/traces/prompts';
import type { campaignWorkflow } from '../workflows/campaign';
import { cancelSignal, statusQuery, type CampaignStatus } from '../workflows/messages';
import { spawnWorkerProcess, type WorkerProcess } from '../tests/helpers/workerProcess';

const repoRoot = path.resolve(__dirname, '..');
const t0 = Date.now();
const out = (line = '') => process.stdout.write(`[${Math.round((Date.now() - t0) / 1000)}s] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const failures: string[] = [];
const expect = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
  return ok;
};

type LocalCfg = Extract<ResolvedCampaignConfig['providers'][string], { kind: 'local' }>;

/** sacct's jobs since `since` (its own local-time format), this user's, one row per job (no steps). */
function sacct(conf: string, since: string): { id: string; name: string; state: string; submit: string }[] {
  const text = execFileSync('sacct', ['-n', '-P', '-X', '-S', since, '-o', 'JobID,JobName%100,State,Submit'], { env: { ...process.env, SLURM_CONF: conf }, encoding: 'utf8' });
  return text.split('\n').filter(Boolean).map((l) => {
    const [id, name, state, submit] = l.split('|');
    return { id: id!, name: name!, state: state!, submit: submit! };
  });
}

async function waitJob(p: LocalProvider, id: string, done: (j: FineTuneJob) => boolean, ms: number): Promise<FineTuneJob> {
  const deadline = Date.now() + ms;
  for (;;) {
    const j = await p.getJob(id);
    if (done(j)) return j;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${j.status} (${j.providerStatus}) after ${ms / 1000}s`);
    await sleep(1000);
  }
}
const ended = (j: FineTuneJob) => !['pending', 'running'].includes(j.status);

/** The base data: solved problems of levels 1-3, half under the cot system prompt (estimation, evaluation),
 * half under the multi-turn one (traces), so the base answers under both. Pure Python, run by the TRL venv. */
function baseData(file: string): void {
  const raw = `${file}.raw`;
  const py = path.join(trlVenvDir(), 'bin', 'python');
  const gen = spawnSync(py, ['-m', 'strawberry_local.sortsteps', 'base-data', '--curriculum-dir', path.join(repoRoot, 'curricula/sortsteps'), '--levels', '1-3', '--count', '600', '--seed', '0', '--out', raw], { env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'python') }, encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`base data (${py} -m strawberry_local.sortsteps): ${gen.stderr || gen.error?.message}; run \`strawberry setup --trl\``);
  const lines = readFileSync(raw, 'utf8').trim().split('\n').map((l, i) => {
    const ex = JSON.parse(l) as { messages: unknown[] };
    return JSON.stringify({ messages: [{ role: 'system', content: i % 2 ? STEP_SYSTEM_PROMPT : COT_SYSTEM_PROMPT }, ...ex.messages] });
  });
  writeFileSync(file, lines.join('\n') + '\n');
}

/** The campaign's status, polled until `pred` (or the workflow ended: then undefined). */
async function waitStatus(client: Client, id: string, pred: (s: CampaignStatus) => boolean, ms: number, what: string): Promise<CampaignStatus> {
  const deadline = Date.now() + ms;
  for (;;) {
    const h = client.workflow.getHandle(id);
    const d = await h.describe();
    if (d.status.name !== 'RUNNING') throw new Error(`campaign ${id} ended (${d.status.name}) while waiting for ${what}`);
    const s = await h.query(statusQuery).catch(() => undefined);
    if (s && pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (phase ${s?.phase}, round ${s?.round})`);
    await sleep(1000);
  }
}

/** The campaign's result; a long poll that fails on a loaded machine (a ServiceError) is retried a few times. */
async function resultOf(client: Client, id: string) {
  for (let tries = 1; ; tries++) {
    try {
      return await client.workflow.getHandle<typeof campaignWorkflow>(id).result();
    } catch (err) {
      if (!(err instanceof ServiceError) || tries >= 5) throw err;
      await sleep(5000);
    }
  }
}

async function main(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15).toLowerCase();
  const root = path.join(repoRoot, 'runs/selfhosted-check');
  const outDir = path.join(root, stamp);
  const jobsDir = path.join(root, 'jobs');
  const store = path.join(outDir, 'store');
  mkdirSync(store, { recursive: true });
  process.env.STRAWBERRY_RUNS_DIR = store;

  // 1. Slurm (idempotent; reuses one that is up).
  const up = spawnSync(path.join(repoRoot, 'scripts/slurm-up.sh'), [], { encoding: 'utf8', timeout: 600_000 });
  if (up.status !== 0) throw new Error(`scripts/slurm-up.sh failed: ${(up.stderr || up.error?.message || '').trim()}`);
  out(up.stdout.trim().split('\n').pop());
  const conf = path.join(repoRoot, '.strawberry/slurm/slurm.conf');
  const since = execFileSync('date', ['+%Y-%m-%dT%H:%M:%S'], { encoding: 'utf8' }).trim();

  process.env.STRAWBERRY_LOCAL_URL = 'http://127.0.0.1:1/v1'; // replaced by serve.py's once it runs
  const loaded = await loadCampaignConfig(path.join(repoRoot, 'config/selfhosted-trl.yaml'));
  const trl = loaded.providers.trl as LocalCfg;
  const train = { ...trl.train!, jobsDir };
  const provCfg: LocalProviderConfig = { baseURL: trl.baseURL, train };
  const ft = new LocalProvider(provCfg);
  const name = `selfhosted-trl-${stamp}`;
  const baseFile = path.join(root, 'base-l1-3-600.jsonl');
  baseData(baseFile);

  // 2. One job submitted through the provider and cancelled through it (scancel): sacct must say CANCELLED.
  const cancelJob = await ft.createJob({ baseModel: '', trainingFileId: baseFile, suffix: 'cancel', key: `${name}-cancel`, seed: 0, hyperparameters: { nEpochs: 1 } });
  await waitJob(ft, cancelJob.id, (j) => j.status === 'running' || ended(j), 120_000);
  await ft.cancelJob(cancelJob.id);
  const cancelled = await waitJob(ft, cancelJob.id, ended, 60_000);
  out(`cancel: job ${cancelJob.id} ${cancelled.status} (${cancelled.providerStatus})`);

  // 3. The base model from scratch: the campaign's command with an empty {parent}, as a Slurm job, cached by key.
  // Batch 8: four times the updates of batch 32 for the same compute (at batch 32 and 57 steps the base solved
  // about 12% of L1 and no round had a problem in the band).
  const baseHp = { nEpochs: 3, learningRate: 0.003, batchSize: 8 };
  const baseKey = `selfhosted-trl-base-${createHash('sha256').update(readFileSync(baseFile)).update(JSON.stringify([train.command, baseHp])).digest('hex').slice(0, 12)}`;
  const found = (await ft.findJobsByKey(baseKey))[0];
  const baseJob = found && found.status !== 'failed' && found.status !== 'cancelled' ? found : await ft.createJob({ baseModel: '', trainingFileId: baseFile, suffix: 'base', key: baseKey, seed: 0, hyperparameters: baseHp });
  out(`base: job ${baseJob.id} (${found ? 'adopted from an earlier run' : 'submitted'}), 600 examples of levels 1-3, ${baseHp.nEpochs} epochs`);
  const base = await waitJob(ft, baseJob.id, ended, 1_800_000);
  if (base.status !== 'succeeded') throw new Error(`the base model's job ${base.id} ${base.status}: ${base.error}`);
  const baseDir = path.join(jobsDir, base.id, 'output');
  out(`base: ${baseDir}`);

  const server = await startLocalServer({ python: path.join(trlVenvDir(), 'bin', 'python'), script: path.join(trlRecipeDir, 'serve.py') });
  const temporal = await startDevServer({ dbFile: path.join(outDir, 'temporal.db'), ui: false, progress: () => undefined });
  const { client, connection } = await connectClient(temporal);
  process.env.STRAWBERRY_TEST_TEMPORAL_ADDRESS = temporal.address; // the worker helper's server address
  const taskQueue = `selfhosted/${stamp}`;
  const workers: WorkerProcess[] = [];
  const worker = async (label: string) => {
    const w = spawnWorkerProcess({ taskQueue, runsDir: store, client, env: { TEMPORAL_ADDRESS: temporal.address }, readyTimeoutMs: 180_000 });
    workers.push(w);
    w.exited.then(() => writeFileSync(path.join(outDir, `worker-${label}.log`), w.output()));
    await w.ready;
    out(`worker ${label}: pid ${w.pid} polls ${taskQueue}`);
    return w;
  };
  const config: ResolvedCampaignConfig = {
    ...loaded,
    name,
    providers: { ...loaded.providers, trl: { ...trl, baseURL: server.baseURL, train, models: { 'trl-tiny-base': baseDir } } },
    dataset: { ...loaded.dataset, replayFiles: [baseFile] },
  };
  let R = 0, S = 0, D = 0, B = 0;
  try {
    // 4. The campaign; the first worker is SIGKILLed while a round's Slurm job runs, a second one carries on.
    const w1 = await worker('1');
    const handle = await startCampaign(client, { config }, { taskQueue });
    let killed: { round: number; job: string } | undefined;
    const deadline = Date.now() + 1_800_000;
    while (!killed && Date.now() < deadline) {
      const s = await waitStatus(client, handle.workflowId, () => true, 60_000, 'a round\'s training job to run (no round trained: see the round summaries in the store)');
      const job = localJobId(fineTuneKey(name, s.round, 1));
      const live = (await new SlurmCli(conf).byName(job))[0];
      if (live?.state === 'RUNNING') killed = { round: s.round, job };
      else await sleep(1000);
    }
    if (!killed) throw new Error('no round training job ran within 30 minutes');
    await w1.kill();
    out(`killed worker 1 (SIGKILL) while Slurm ran ${killed.job} (round ${killed.round})`);
    // What a retried startFineTune does: create under the same key finds the job by name, submits nothing.
    const probe = new SlurmTrainingJobs(provCfg, train, new LocalJobStore(jobsDir));
    const again = await probe.create({ baseModel: 'trl-tiny-base', trainingFileId: baseFile, suffix: 'probe', key: fineTuneKey(name, killed.round, 1), seed: killed.round });
    expect(again.id === killed.job && probe.slurm.submissions === 0, `a create under round ${killed.round}'s key submitted again (${probe.slurm.submissions} sbatch) instead of adopting ${killed.job}`);
    const w2 = await worker('2');
    const result = await resultOf(client, handle.workflowId);
    out(`campaign ${name}: ${result.rounds.length} rounds`);

    // 5. Per round: trained from its parent (the recipe's log), served under the new name, evaluated per level.
    const registry = JSON.parse(readFileSync(path.join(store, name, 'registry.json'), 'utf8')) as { models: { modelId: string; deployment?: { servedModel?: string } }[] };
    let parentDir = baseDir;
    for (const s of result.rounds as RoundSummary[]) {
      const acc = Object.entries(s.evaluation).map(([l, e]) => `L${Number(l) + 1} ${(e.accuracy * 100).toFixed(0)}%`).join(' ');
      out(`round ${s.round}: frontier L${s.frontier + 1}, band ${s.inBand}, examples ${s.datasetExamples}, ${s.outcome}: ${acc || '-'}`);
      if (s.outcome !== 'promoted' && s.outcome !== 'rejected') continue;
      const job = localJobId(fineTuneKey(name, s.round, 1));
      const log = readFileSync(path.join(jobsDir, job, 'log.txt'), 'utf8');
      const parent = log.split('\n').filter((l) => l.startsWith('{"event": "parent"')).map((l) => JSON.parse(l) as { path: string | null })[0];
      const fromParent = expect(parent?.path === parentDir, `round ${s.round}: the recipe loaded parent ${parent?.path}, not ${parentDir}`);
      // Loaded into serve.py under its own name (the round's evaluation then sampled it by that name).
      const served = registry.models.find((m) => m.modelId === s.model)?.deployment?.servedModel === s.model;
      const evaluated = Object.keys(s.evaluation).length > 0;
      expect(s.model === job && served && evaluated, `round ${s.round}: model ${s.model} (job ${job}) served ${served}, evaluated ${evaluated}`);
      if (fromParent) R++;
      if (s.model === job && served && evaluated) S++;
      if (s.promoted) parentDir = path.join(jobsDir, job, 'output');
    }
    const final = await client.workflow.getHandle(handle.workflowId).query(statusQuery);
    out(`frontier: L${loaded.startLevel + 1} at the start, L${final.frontier + 1} after ${result.rounds.length} rounds (current model ${final.currentModel})`);
    const killedRuns = sacct(conf, since).filter((j) => j.name === killed!.job);
    if (expect(killedRuns.length === 1 && killedRuns[0]!.state === 'COMPLETED', `the job running at the kill: sacct shows ${JSON.stringify(killedRuns)}, not one COMPLETED job`)) D = 1;

    // 6. A campaign whose training file has a bad line (from its replay file): the round blocks with Slurm's reason.
    const bad = path.join(outDir, 'bad-replay.jsonl');
    writeFileSync(bad, Array.from({ length: 10 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `sort ${i}` }, { role: 'assistant' }] })).join('\n') + '\n');
    const badCfg: ResolvedCampaignConfig = { ...config, name: `${name}-bad`, dataset: { ...config.dataset, replayFiles: [bad] }, stopping: { ...config.stopping, maxRounds: 1 } };
    const badHandle = await startCampaign(client, { config: badCfg }, { taskQueue });
    const blocked = await waitStatus(client, badHandle.workflowId, (s) => s.phase === 'blocked', 1_800_000, 'the bad campaign to block');
    out(`blocked: ${blocked.blockedReason?.split('\n').slice(0, 3).join(' / ')}`);
    if (expect(/Slurm job \d+: FAILED, exit code 2/.test(blocked.blockedReason ?? '') && /bad training file/.test(blocked.blockedReason ?? ''), `the blocked reason lacks Slurm's FAILED and the recipe's words: ${blocked.blockedReason}`)) B = 1;
    await badHandle.signal(cancelSignal);
    await badHandle.result().catch(() => undefined);
    await w2.stop();
  } finally {
    for (const w of workers) await w.kill();
    await connection.close();
    await temporal.stop();
    await server.close();
  }

  // 7. What Slurm saw: this check's job names, submitted since it began.
  const mine = sacct(conf, since).filter((j) => j.submit >= since && (j.name.startsWith(name) || j.name === base.id));
  const N = mine.length;
  const baseSubmitted = mine.some((j) => j.name === base.id);
  const C = mine.filter((j) => j.name === cancelJob.id && j.state.startsWith('CANCELLED')).length;
  out(`sacct: ${mine.map((j) => `${j.id} ${j.name} ${j.state}`).join('; ')}`);
  expect(R >= 2, `trl rounds ${R} < 2`);
  expect(D >= 1, 'no job adopted after the kill');
  expect(C >= 1, `the cancelled job ${cancelJob.id} is not CANCELLED in sacct`);
  expect(B >= 1, 'no round blocked with a reason');
  expect(N === R + 2 + (baseSubmitted ? 1 : 0), `slurm submitted ${N}, expected R + 2${baseSubmitted ? ' + 1 (the base)' : ''} = ${R + 2 + (baseSubmitted ? 1 : 0)}`);
  out(`wall ${Math.round((Date.now() - t0) / 1000)} s; base ${baseSubmitted ? 'trained through Slurm in this check' : 'adopted from an earlier run'}; files in ${outDir}`);
  for (const f of failures) process.stdout.write(`FAILED: ${f}\n`);
  process.stdout.write(`selfhosted: trl rounds ${R}, served ${S}, slurm submitted ${N} adopted ${D} cancelled ${C} failed-blocked ${B}\n`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((err) => {
  process.stdout.write(`FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.stdout.write('selfhosted: trl rounds 0, served 0, slurm submitted 0 adopted 0 cancelled 0 failed-blocked 0\n');
  process.exit(1);
});
