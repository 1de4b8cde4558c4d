// The `local` provider's training jobs on a Slurm cluster (`train.scheduler: slurm`): submitted with sbatch, read
// from squeue/sacct, cancelled with scancel. The job directory (job.json, log.txt, exit_code, output/) is the same
// as for a job on this machine, on a filesystem the workers and the cluster share.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeTextAtomic } from '../../../atomicFile';
import { ProviderRequestError } from '../../errors';
import type { CreateJobRequest, FineTuneEvent, FineTuneJob } from '../../types';
import type { LocalProviderConfig, LocalTrainConfig } from '../config';
import { LocalJobStore, type JobRecord } from '../jobStore';
import { pythonEnv } from '../python';
import { renderSlurmScript } from '../scheduler';
import type { StoredSource } from '../../../store/types';
import { localJobId, localTrainingFile, trainingJobSpec } from '../trainingJobs';
import { SlurmCli } from './cli';
import { mapSlurmState, type SlurmJobFacts } from './states';

/** A job record of a Slurm job: the local record plus the Slurm job id once sbatch answered. */
export interface SlurmJobRecord extends JobRecord {
  slurmJobId?: string;
}

/** How long a job directory may lack a Slurm job before its creator is presumed to have died before sbatch. */
const SUBMIT_GRACE_MS = 60_000;

export class SlurmTrainingJobs {
  readonly slurm: SlurmCli;

  constructor(
    private readonly cfg: LocalProviderConfig,
    private readonly train: LocalTrainConfig,
    private readonly jobs: LocalJobStore,
    slurm?: SlurmCli,
  ) {
    this.slurm = slurm ?? new SlurmCli(train.slurm?.conf ? path.resolve(train.slurm.conf) : undefined);
  }

  async trainingFile(source: StoredSource): Promise<{ fileId: string }> {
    return localTrainingFile(source, this.jobs);
  }

  /**
   * Submits the key's job once: a job Slurm already knows under the key's name (queued, running or ended) is
   * adopted, whether this worker or a dead one submitted it.
   */
  async create(req: CreateJobRequest): Promise<FineTuneJob> {
    const { id, argv, outputDir, meta } = trainingJobSpec(this.cfg, this.train, this.jobs, req);
    const existing = await this.find(id);
    if (existing) return existing;
    mkdirSync(this.jobs.root, { recursive: true });
    const dir = this.jobs.dir(id);
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Another creator is between mkdir and sbatch, or died there: wait out the grace, then take over.
      if (Date.now() - statSync(dir).mtimeMs < SUBMIT_GRACE_MS) return this.retrieve(id);
    }
    const record: SlurmJobRecord = { id, key: req.key, argv, cwd: path.resolve(this.train.cwd ?? '.'), host: 'slurm', createdAt: new Date().toISOString(), outputDir, meta };
    await this.write(record);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...pythonEnv(), ...this.train.env })) if (v !== undefined && (k === 'PYTHONPATH' || k.startsWith('STRAWBERRY_') || this.train.env?.[k] !== undefined)) env[k] = v;
    const script = renderSlurmScript({ id, key: req.key, argv, cwd: record.cwd, jobDir: dir, env }, { sbatch: this.train.slurm?.sbatch });
    await writeTextAtomic(path.join(dir, 'job.sbatch'), script);
    record.slurmJobId = await this.slurm.sbatch(script);
    record.startedAt = new Date().toISOString();
    await this.write(record);
    return this.retrieve(id);
  }

  async listByKey(key: string): Promise<FineTuneJob[]> {
    const id = localJobId(key);
    const job = await this.find(id);
    return job && (this.jobs.read(id)?.key ?? key) === key ? [job] : [];
  }

  async retrieve(id: string): Promise<FineTuneJob> {
    const job = await this.find(id);
    if (job) return job;
    const rec = this.jobs.read(id);
    if (!rec) throw new ProviderRequestError(`local: no fine-tune job ${id} in ${this.jobs.root} nor in Slurm`, 404, 'job not found');
    if (Date.now() - Date.parse(rec.createdAt) < SUBMIT_GRACE_MS) return { id, status: 'pending', providerStatus: 'submitting', createdAt: rec.createdAt };
    return { id, status: 'failed', providerStatus: 'vanished', createdAt: rec.createdAt, error: `the job directory of ${id} exists since ${rec.createdAt} but Slurm knows no job of that name (the worker died before sbatch, or accounting lost it)` };
  }

  async listEvents(id: string): Promise<FineTuneEvent[]> {
    const rec = this.jobs.read(id);
    if (!rec) throw new ProviderRequestError(`local: no fine-tune job ${id} in ${this.jobs.root}`, 404, 'job not found');
    return this.jobs
      .logTail(id, 20_000)
      .split('\n')
      .filter((l) => l.trim())
      .slice(-100)
      .map((message) => ({ at: rec.startedAt ?? rec.createdAt, message }));
  }

  async cancel(id: string): Promise<FineTuneJob> {
    const facts = await this.facts(id);
    if (!facts) throw new ProviderRequestError(`local: no Slurm job named ${id}`, 404, 'job not found');
    const mapped = mapSlurmState(facts);
    if (mapped.status === 'pending' || mapped.status === 'running') await this.slurm.scancel(facts.jobId);
    return this.retrieve(id);
  }

  /** Slurm's facts of the job: by the recorded Slurm id, else by name (a worker died between sbatch and writing it). */
  private async facts(id: string): Promise<SlurmJobFacts | undefined> {
    const rec = this.jobs.read(id) as SlurmJobRecord | undefined;
    if (rec?.slurmJobId) {
      const f = await this.slurm.byId(rec.slurmJobId);
      if (f) return f;
    }
    return (await this.slurm.byName(id))[0];
  }

  private async find(id: string): Promise<FineTuneJob | undefined> {
    const f = await this.facts(id);
    if (!f) return undefined;
    const rec = this.jobs.read(id) as SlurmJobRecord | undefined;
    const m = mapSlurmState(f);
    const base = { id, createdAt: rec?.createdAt, providerStatus: f.state, raw: { ...rec, slurm: f } };
    if (m.status === 'succeeded') return { ...base, status: 'succeeded', fineTunedModel: id };
    if (m.status === 'failed') return { ...base, status: 'failed', error: `${m.reason}; log tail:\n${this.jobs.logTail(id, 1500)}` };
    return { ...base, status: m.status };
  }

  private async write(record: SlurmJobRecord): Promise<void> {
    await writeTextAtomic(path.join(this.jobs.dir(record.id), 'job.json'), JSON.stringify(record, null, 2) + '\n');
  }
}
