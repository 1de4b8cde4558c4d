import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedCampaignConfig } from '../../lib/config/load';
import { withoutStepCheckers } from '../../lib/curriculum/withoutStepCheckers';
import type { FineTuneIntent } from '../../lib/providers/fineTune';
import { LocalJobStore, LocalProvider, projectPython, pythonEnv, startLocalServer, type RunningLocalServer } from '../../lib/providers/local';
import { unpauseSignal } from '../../workflows/messages';
import { startCampaignHarness, useRunsDir, repoRoot, type CampaignHarness } from '../helpers/campaignHarness';
import { describeUnless } from '../helpers/skip';
import { testPythonMissing } from '../helpers/testPython';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

/**
 * The real local path end to end (issue 12): a very small JAX model trained from scratch by the `local`
 * provider's training command, served by the CPU server, one campaign round under Temporal. On the way:
 * a training process that dies blocks the round with that reason; after unpause, the worker is SIGKILLed
 * while the new job trains and the next worker adopts the job instead of starting another.
 * Needs the venv of `strawberry setup --local` (tests/globalSetup.ts creates it; skipped, saying why, without it).
 */
const describeLocal = describeUnless(testPythonMissing());

const runsDir = useRunsDir();
/** A very small model: every job is seconds of compute (plus JAX start-up). */
const SMALL = ['--d-model', '32', '--n-layers', '2', '--n-heads', '2', '--d-ff', '64'];

/** Polls `fn` until it returns something truthy, and returns that. */
async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs: number, intervalMs = 500): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

describeLocal('the local provider with a real model', () => {
  let jobsDir: string;
  let baseModel: string;
  let server: RunningLocalServer | undefined;
  let h: CampaignHarness | undefined;
  let workerProc: WorkerProcess | undefined;

  beforeAll(async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'strawberry-localmodel-'));
    jobsDir = path.join(root, 'jobs');
    const data = path.join(root, 'base.jsonl');
    const gen = spawnSync(projectPython(), ['-m', 'strawberry_local.sortsteps', 'base-data', '--curriculum-dir', path.join(repoRoot, 'curricula/sortsteps'), '--levels', '1', '--count', '400', '--out', data], { env: pythonEnv(), encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(gen.stderr);
    process.env.STRAWBERRY_LOCAL_URL = 'http://127.0.0.1:1/v1';
    const provider = new LocalProvider({ baseURL: 'http://127.0.0.1:1/v1', train: { ...(await testConfig()).train, jobsDir } });
    // Round 0 through the same command: from scratch (no parent), level 1 only.
    const job = await provider.createJob({ baseModel: '', trainingFileId: data, suffix: 'base', key: 'test-base', seed: 0, hyperparameters: { nEpochs: 24, learningRate: 0.003, batchSize: 32 } });
    const done = await until(async () => {
      const j = await provider.getJob(job.id);
      return j.status === 'running' || j.status === 'pending' ? undefined : j;
    }, 'the base model to train', 600_000, 1000);
    if (done.status !== 'succeeded') throw new Error(`base training failed: ${JSON.stringify(done)}`);
    baseModel = done.fineTunedModel!;
    server = await startLocalServer({ modelsRoot: jobsDir });
  }, 900_000);

  afterAll(async () => {
    await h?.teardown();
    await workerProc?.stop();
    await server?.close();
  });

  async function testConfig() {
    const { loadCampaignConfig } = await import('../../lib/config/load');
    const cfg = await loadCampaignConfig(path.join(repoRoot, 'config/local-tiny.yaml'));
    const local = cfg.providers.local as Extract<ResolvedCampaignConfig['providers'][string], { kind: 'local' }>;
    return { ...local, train: { ...local.train!, command: [...local.train!.command, ...SMALL] } };
  }

  it('one round: dead job blocks the round; after unpause a killed worker leaves the job adopted; the child is served and evaluated', async () => {
    process.env.STRAWBERRY_LOCAL_URL = server!.baseURL;
    const local = { ...(await testConfig()), baseURL: server!.baseURL, train: { ...(await testConfig()).train, jobsDir } };
    h = await startCampaignHarness({
      label: 'local-model',
      configFile: path.join(repoRoot, 'config/local-tiny.yaml'),
      worker: 'none',
      configure: (c) => ({
        ...c,
        // This model is trained for seconds: its one-swap solutions are right but rarely valid steps, so the
        // sortsteps checker would leave too few to fine-tune on. The job lifecycle is under test here; the
        // checker is tested in tests/unit/stepChecks and measured by bench:real-loop.
        curriculumPath: withoutStepCheckers(c.curriculumPath, mkdtempSync(path.join(os.tmpdir(), 'strawberry-localmodel-cur-'))),
        student: { ...c.student, baseModel },
        providers: { ...c.providers, local },
        startLevel: 0,
        // A low temperature: this model is barely trained, and the round needs 10 correct solutions.
        estimation: { ...c.estimation, k: 4, batchSize: 4, maxCandidatesPerLevel: 6, temperature: 0.2 },
        band: { ...c.band, band: { min: 0.25, max: 1 } },
        dataset: { ...c.dataset, minExamples: 10 },
        fineTune: { ...c.fineTune, nEpochs: 1, pollIntervalSeconds: 1 },
        evaluation: { ...c.evaluation, maxHeldOutPerLevel: 4, samplesPerProblem: 2 },
        stopping: { ...c.stopping, maxRounds: 1 },
      }),
    });
    workerProc = spawnWorkerProcess({ taskQueue: h.taskQueue, runsDir, client: h.client, env: { STRAWBERRY_LOCAL_URL: server!.baseURL } });
    await workerProc.ready;
    const jobs = new LocalJobStore(jobsDir);
    const roundJob = (attempt: number): string | undefined => {
      const id = readdirSync(jobsDir).find((d) => jobs.read(d)?.key === `${h!.name}-r1-a${attempt}`);
      return id && jobs.read(id)?.pid !== undefined ? id : undefined;
    };

    // Attempt 1: the training process dies (as with its host): the round is blocked, with that reason.
    const a1 = await until(() => roundJob(1), 'the first fine-tune job', 600_000, 100);
    process.kill(-jobs.read(a1)!.pid!, 'SIGKILL');
    const blocked = await h.waitForStatus((s) => s.phase === 'blocked', 'the round to be blocked by the dead job', 120_000);
    expect(blocked.blockedReason).toMatch(/FineTuneJobFailed: .*gone without an exit code/);

    // Attempt 2: the worker is SIGKILLed while the job trains; the next worker adopts the job.
    await h.handle!.signal(unpauseSignal);
    const a2 = await until(() => roundJob(2), 'the second fine-tune job', 300_000, 100);
    const before = jobs.read(a2)!;
    await workerProc.kill();
    expect(jobs.state(a2)!.state).toMatch(/running|succeeded/); // the job outlived its worker
    await h.startWorker();
    const outcome = await h.result();

    const after = jobs.read(a2)!;
    expect(after).toEqual(before); // never restarted: same PID, same start
    expect(readFileSync(path.join(jobsDir, a2, 'log.txt'), 'utf8').match(/"event": "start"/g)).toHaveLength(1);
    expect(readdirSync(jobsDir).filter((d) => jobs.read(d)?.key.startsWith(`${h!.name}-r1-`))).toHaveLength(2);
    const intent = JSON.parse(readFileSync(path.join(runsDir, h.name, 'round-1', 'fine-tune-a2', 'intent.json'), 'utf8')) as FineTuneIntent;
    expect(intent.job?.id).toBe(a2);

    // The job produced a new checkpoint, continued from the base model's.
    expect(existsSync(path.join(jobsDir, a2, 'output', 'params.msgpack'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(jobsDir, a2, 'output', 'config.json'), 'utf8')).trained_from).toBe(path.join(jobsDir, baseModel, 'output'));

    // The round trained it and measured its accuracy on its training level (level 1, index 0).
    const r1 = outcome.rounds[0]!;
    expect(r1.datasetExamples).toBeGreaterThanOrEqual(10);
    expect(r1.outcome === 'promoted' || r1.outcome === 'rejected').toBe(true);
    expect(r1.evaluation[0]).toMatchObject({ n: 8, accuracy: expect.any(Number) });

    // Served under its new name: through the runtime load endpoint, and answering chat.
    const serving = new LocalProvider({ ...local, baseURL: server!.baseURL });
    expect(serving.needsDeployment(a2)).toBe(true);
    expect(await serving.ensureDeployment({ key: `${h.name}-r1-a2-serve`, model: a2 })).toMatchObject({ state: 'ready', servedModel: a2 });
    expect((await serving.getDeployment(a2)).state).toBe('ready');
    const res = await fetch(`${server!.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: a2, messages: [{ role: 'user', content: 'Problem:\nsort 213456' }], n: 2, temperature: 0, max_tokens: 20, seed: 1 }),
    });
    const body = (await res.json()) as { model: string; choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(res.status).toBe(200);
    expect(body.model).toBe(a2);
    expect(body.choices).toHaveLength(2);
    expect(body.choices[0]!.message.content).toBe(body.choices[1]!.message.content); // temperature 0
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
  }, 1_200_000);
});
