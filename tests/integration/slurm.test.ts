// The `scheduler: slurm` mode of the local provider against a real Slurm (scripts/slurm-up.sh): submission, adoption
// by a second worker without a second sbatch, and Slurm's states of a failing, a cancelled and a timed-out job.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalJobStore, SlurmTrainingJobs, type LocalProviderConfig, type LocalTrainConfig } from '../../lib/providers/local';
import type { FineTuneJob } from '../../lib/providers/types';
import { describeUnless } from '../helpers/skip';
import { slurmConf, slurmUnavailable } from '../helpers/testSlurm';

const why = slurmUnavailable();
const run = `t${Date.now().toString(36)}`;

function jobsFor(command: string[], sbatch?: string[]): { jobs: SlurmTrainingJobs; dir: string; train: LocalTrainConfig } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-slurm-'));
  const train: LocalTrainConfig = { command, jobsDir: dir, scheduler: 'slurm', slurm: { conf: slurmConf, sbatch } };
  const cfg: LocalProviderConfig = { baseURL: 'http://127.0.0.1:1/v1', train };
  return { jobs: new SlurmTrainingJobs(cfg, train, new LocalJobStore(dir)), dir, train };
}

function req(key: string) {
  return { baseModel: 'base', trainingFileId: '/dev/null', suffix: 's', key, seed: 1 };
}

async function until(jobs: SlurmTrainingJobs, id: string, done: (j: FineTuneJob) => boolean, ms: number): Promise<FineTuneJob> {
  const deadline = Date.now() + ms;
  for (;;) {
    const j = await jobs.retrieve(id);
    if (done(j) || Date.now() > deadline) return j;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const ended = (j: FineTuneJob) => !['pending', 'running'].includes(j.status);

function sacctNames(name: string): string[] {
  return execFileSync('sacct', ['-n', '-P', '-X', '--name', name, '-S', 'now-1day', '-o', 'JobID'], { env: { ...process.env, SLURM_CONF: slurmConf }, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

describeUnless(why)('local provider, scheduler: slurm (real Slurm)', () => {
  it('submits once with sbatch under the key, a second worker adopts the job by name, and it succeeds with the checkpoint', async () => {
    const cmd = ['/bin/sh', '-c', 'sleep 4; mkdir -p "$1" && echo trained > "$1/weights"', 'train', '{outputDir}'];
    const a = jobsFor(cmd);
    const key = `${run}-ok-r1-a1`;
    const first = await a.jobs.create(req(key));
    expect(['pending', 'running']).toContain(first.status);
    expect(a.jobs.slurm.submissions).toBe(1);
    // A second worker (a fresh provider over the same jobs directory) adopts instead of submitting.
    const b = new SlurmTrainingJobs({ baseURL: 'http://127.0.0.1:1/v1', train: a.train }, a.train, new LocalJobStore(a.dir));
    expect((await b.listByKey(key)).map((j) => j.id)).toEqual([first.id]);
    const again = await b.create(req(key));
    expect(again.id).toBe(first.id);
    expect(b.slurm.submissions).toBe(0);
    const done = await until(b, first.id, ended, 60_000);
    expect(done.status).toBe('succeeded');
    expect(done.providerStatus).toBe('COMPLETED');
    expect(done.fineTunedModel).toBe(first.id);
    expect(readFileSync(path.join(a.dir, first.id, 'output', 'weights'), 'utf8')).toBe('trained\n');
    expect(sacctNames(first.id)).toHaveLength(1);
    // Adoption after the job ended: still no second sbatch.
    await b.create(req(key));
    expect(b.slurm.submissions).toBe(0);
  }, 90_000);

  it("a failing command is FAILED with its exit code and the log tail in the reason", async () => {
    const { jobs } = jobsFor(['/bin/sh', '-c', 'echo "bad training file: $1" >&2; exit 7', 'train', '{trainingFile}']);
    const j = await jobs.create(req(`${run}-fail-r1-a1`));
    const done = await until(jobs, j.id, ended, 60_000);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/Slurm job \d+: FAILED, exit code 7:0: the training command failed/);
    expect(done.error).toContain('bad training file: /dev/null');
  }, 90_000);

  it('a cancelled job is CANCELLED (scancel) and a cancel of it again changes nothing', async () => {
    const { jobs } = jobsFor(['/bin/sh', '-c', 'sleep 300']);
    const j = await jobs.create(req(`${run}-cancel-r1-a1`));
    await until(jobs, j.id, (x) => x.status === 'running', 30_000);
    await jobs.cancel(j.id);
    const done = await until(jobs, j.id, ended, 30_000);
    expect(done.status).toBe('cancelled');
    expect(done.providerStatus).toMatch(/^CANCELLED/);
    expect((await jobs.cancel(j.id)).status).toBe('cancelled');
  }, 60_000);

  it('a job past its --time is TIMEOUT, a failure that says so', async () => {
    const { jobs } = jobsFor(['/bin/sh', '-c', 'sleep 300'], ['--time=1']);
    const j = await jobs.create(req(`${run}-timeout-r1-a1`));
    const done = await until(jobs, j.id, ended, 150_000);
    expect(done.status).toBe('failed');
    expect(done.providerStatus).toBe('TIMEOUT');
    expect(done.error).toContain('ran past its time limit');
  }, 180_000);
});
