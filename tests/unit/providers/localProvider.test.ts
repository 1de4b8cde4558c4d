import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { createFineTuneProvider, ensureJob } from '../../../lib/providers/fineTune';
import {
  LocalProvider,
  localJobId,
  LocalJobStore,
  renderCommand,
  renderKubernetesJob,
  renderSlurmScript,
  unknownPlaceholders,
  type LocalProviderConfig,
} from '../../../lib/providers/local';
import { kubernetesJobProblems } from '../../../lib/providers/local/kubernetesSchema';
import { DirectoryRunStore } from '../../../lib/store';
import { storedSource } from '../../helpers/storedSource';

/**
 * The `local` provider's durable jobs with real processes: a node one-liner stands in for a training
 * command (same contract: argv with placeholders, writes {outputDir}, exit code).
 */
const node = process.execPath;
/** A "trainer" that sleeps `ms`, then writes a checkpoint file into its output dir. */
const trainer = (ms: number) => [node, '-e', `setTimeout(()=>{require('fs').mkdirSync(process.argv[1],{recursive:true});require('fs').writeFileSync(process.argv[1]+'/config.json','{}');console.log('trained from',process.argv[2]||'(scratch)')},${ms})`, '{outputDir}', '{parent}'];

function setup(command: string[]): { cfg: LocalProviderConfig; root: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'strawberry-local-'));
  return { root, cfg: { baseURL: 'http://127.0.0.1:1/v1', train: { command, jobsDir: path.join(root, 'jobs') } } };
}

async function until<T>(fn: () => Promise<T>, pred: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (pred(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('renderCommand', () => {
  it('fills placeholders one argument each and drops a --flag whose value is unset', () => {
    const argv = ['{python}', 'train.py', '--data', '{trainingFile}', '--parent', '{parent}', '--lr', '{learningRate}', '--out={outputDir}'];
    expect(renderCommand(argv, { python: '/v/python', trainingFile: '/d/a b.jsonl', parent: '', learningRate: 0.001, outputDir: '/o' })).toEqual([
      '/v/python',
      'train.py',
      '--data',
      '/d/a b.jsonl',
      '--lr',
      '0.001',
      '--out=/o',
    ]);
    expect(unknownPlaceholders(['--x', '{nope}', '{seed}'])).toEqual(['nope']);
    expect(() => createFineTuneProvider({ kind: 'local', baseURL: '', local: setup(['run', '{nope}']).cfg })).toThrow(/unknown placeholder\(s\) \{nope\}/);
  });
});

describe('local fine-tune jobs', () => {
  it('runs the command as a job: status, PID, log, exit code, the model named after the key; a retry adopts it', async () => {
    const { cfg, root } = setup(trainer(300));
    const store = new DirectoryRunStore(path.join(root, 'runs'));
    const provider = new LocalProvider(cfg);
    const { fileId } = await provider.uploadDataset(await storedSource(__filename), { name: 'x' });
    const req = { baseModel: 'base', trainingFileId: fileId, suffix: 's', key: 'camp-r1-a1', seed: 3 };

    const first = await ensureJob(provider, store, req);
    expect(first.adopted).toBe(false);
    expect(first.job.id).toBe(localJobId('camp-r1-a1'));
    expect(['pending', 'running']).toContain(first.job.status);

    // A retried activity (a new worker: a fresh provider) adopts the same job, even before it finished.
    const again = await ensureJob(new LocalProvider(cfg), store, req);
    expect(again).toMatchObject({ adopted: true, job: { id: first.job.id } });
    // ... and so does one whose intent record was lost: found by key in the jobs directory.
    const lost = await ensureJob(new LocalProvider(cfg), new DirectoryRunStore(path.join(root, 'other-runs')), req);
    expect(lost).toMatchObject({ adopted: true, job: { id: first.job.id } });

    const done = await until(() => provider.getJob(first.job.id), (j) => j.status === 'succeeded', 'the job to succeed');
    expect(done.fineTunedModel).toBe(first.job.id);
    const dir = path.join(cfg.train!.jobsDir, first.job.id);
    expect(readdirSync(path.join(cfg.train!.jobsDir))).toEqual([first.job.id]);
    const record = JSON.parse(readFileSync(path.join(dir, 'job.json'), 'utf8'));
    expect(record).toMatchObject({ key: 'camp-r1-a1', pid: expect.any(Number), startedAt: expect.any(String), meta: { baseModel: 'base', parent: 'base', seed: '3' } });
    expect(readFileSync(path.join(dir, 'exit_code'), 'utf8').trim()).toBe('0');
    expect(readFileSync(path.join(dir, 'log.txt'), 'utf8')).toContain('trained from base');
    expect(existsSync(path.join(dir, 'output', 'config.json'))).toBe(true);
    expect((await provider.listEvents(first.job.id)).map((e) => e.message)).toContain('trained from base');

    // The next round continues from the trained model: {parent} is its checkpoint directory.
    const child = await provider.createJob({ ...req, key: 'camp-r2-a1', parent: { model: done.fineTunedModel! } });
    await until(() => provider.getJob(child.id), (j) => j.status === 'succeeded', 'the child job');
    expect(readFileSync(path.join(cfg.train!.jobsDir, child.id, 'log.txt'), 'utf8')).toContain(`trained from ${path.join(dir, 'output')}`);
  });

  it('reports a failed command with its exit code and log tail', async () => {
    const { cfg } = setup([node, '-e', 'console.error("bad data at line 3"); process.exit(3)']);
    const provider = new LocalProvider(cfg);
    const job = await provider.createJob({ baseModel: 'b', trainingFileId: __filename, suffix: 's', key: 'k-fail' });
    const failed = await until(() => provider.getJob(job.id), (j) => j.status !== 'running' && j.status !== 'pending', 'the job to end');
    expect(failed).toMatchObject({ status: 'failed', providerStatus: 'exited 3' });
    expect(failed.error).toMatch(/exited with code 3[\s\S]*bad data at line 3/);
  });

  it('detects a job whose process vanished (killed without an exit code) and reports why', async () => {
    const { cfg } = setup([node, '-e', 'setTimeout(()=>{}, 60000)']);
    const provider = new LocalProvider(cfg);
    const job = await provider.createJob({ baseModel: 'b', trainingFileId: __filename, suffix: 's', key: 'k-vanish' });
    const record = new LocalJobStore(cfg.train!.jobsDir).read(job.id)!;
    process.kill(-record.pid!, 'SIGKILL'); // the whole group, wrapper included: as when the host dies
    const gone = await until(() => provider.getJob(job.id), (j) => j.status !== 'running', 'the job to be seen gone');
    expect(gone).toMatchObject({ status: 'failed', providerStatus: 'vanished' });
    expect(gone.error).toMatch(new RegExp(`pid ${record.pid} .* is gone without an exit code`));
  });

  it('cancelJob kills the process group and the job stays cancelled', async () => {
    const { cfg } = setup([node, '-e', 'setTimeout(()=>{}, 60000)']);
    const provider = new LocalProvider(cfg);
    const job = await provider.createJob({ baseModel: 'b', trainingFileId: __filename, suffix: 's', key: 'k-cancel' });
    const record = new LocalJobStore(cfg.train!.jobsDir).read(job.id)!;
    expect((await provider.cancelJob(job.id)).status).toBe('cancelled');
    await until(
      async () => {
        try {
          process.kill(record.pid!, 0);
          return false;
        } catch {
          return true;
        }
      },
      (dead) => dead,
      'the process to die',
    );
    expect((await provider.getJob(job.id)).status).toBe('cancelled');
  });
});

describe('cluster submission of the same job contract', () => {
  const job = { id: 'camp-r1-a1-1a2b3c4d', key: 'camp-r1-a1', argv: ['python', '-m', 'strawberry_local.train', '--train-file', '/shared/data set.jsonl'], cwd: '/shared/repo', jobDir: '/shared/jobs/camp-r1-a1-1a2b3c4d' };

  it('renders an sbatch script that logs and records the exit code in the job directory', () => {
    const script = renderSlurmScript(job, { sbatch: ['--partition=gpu', '--gres=gpu:1'] });
    expect(script.split('\n')).toEqual(
      expect.arrayContaining([
        '#!/bin/bash',
        '#SBATCH --job-name=camp-r1-a1-1a2b3c4d',
        '#SBATCH --output=/shared/jobs/camp-r1-a1-1a2b3c4d/log.txt',
        '#SBATCH --chdir=/shared/repo',
        '#SBATCH --partition=gpu',
        '#SBATCH --gres=gpu:1',
        'export STRAWBERRY_JOB_DIR=/shared/jobs/camp-r1-a1-1a2b3c4d',
        "set -- python -m strawberry_local.train --train-file '/shared/data set.jsonl'",
      ]),
    );
    expect(script).toContain('echo $code > "$STRAWBERRY_JOB_DIR/exit_code.tmp" && mv');
  });

  it('renders a Kubernetes Job that never retries and mounts the shared directory', () => {
    const manifest = parse(renderKubernetesJob(job, { image: 'ghcr.io/me/trainer:1', pvc: 'shared', mountPath: '/shared' }));
    expect(manifest).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: job.id, annotations: { 'open-strawberry/business-key': 'camp-r1-a1' } } });
    expect(manifest.spec.backoffLimit).toBe(0);
    const pod = manifest.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].command.slice(4)).toEqual(job.argv);
    expect(pod.containers[0].env).toContainEqual({ name: 'STRAWBERRY_JOB_DIR', value: job.jobDir });
    expect(pod.volumes[0].persistentVolumeClaim.claimName).toBe('shared');
    // The manifest is a valid batch/v1 Job by the Kubernetes schema (with resources and a namespace too).
    const full = parse(renderKubernetesJob(job, { image: 'i:1', pvc: 'shared', mountPath: '/shared', namespace: 'ml', resources: { limits: { 'nvidia.com/gpu': 1, memory: '64Gi' } } }));
    expect(kubernetesJobProblems(full)).toEqual([]);
  });

  it('refuses to render a Job the Kubernetes schema refuses, naming the field', () => {
    expect(() => renderKubernetesJob(job, { image: 'i:1', pvc: 'shared', mountPath: '/shared', resources: { limits: 'lots' } })).toThrow(/not a valid batch\/v1 Job: \/spec\/template\/spec\/containers\/0\/resources\/limits must be object/);
    expect(() => renderKubernetesJob({ ...job, id: 'Camp_R1' }, { image: 'i:1', pvc: 'shared', mountPath: '/shared' })).toThrow(/metadata\/name "Camp_R1" is not a DNS-1123 label/);
    expect(kubernetesJobProblems({ apiVersion: 'batch/v1', kind: 'Job', spec: { template: { spec: { containers: [{ image: 'i' }] } } } })).toEqual([
      '/spec/template/spec/containers/0 must have required property name',
    ]);
  });
});
