import { execFile } from 'node:child_process';
import { EnvironmentError } from '../../../errors';
import type { SlurmJobFacts } from './states';

/**
 * The Slurm commands the provider runs (sbatch, squeue, sacct, scancel), each with the configured SLURM_CONF.
 * `submissions` counts the sbatch calls of this process (the check and the adoption test read it).
 */
export class SlurmCli {
  submissions = 0;
  constructor(private readonly conf?: string) {}

  private run(cmd: string, args: string[], stdin?: string): Promise<string> {
    const env = { ...process.env, ...(this.conf ? { SLURM_CONF: this.conf } : {}) };
    return new Promise((resolve, reject) => {
      const child = execFile(cmd, args, { env, timeout: 60_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new EnvironmentError(`${cmd} ${args.join(' ')}: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      });
      if (stdin !== undefined) child.stdin!.end(stdin);
    });
  }

  /** Submits a batch script (given on stdin); returns the Slurm job id. */
  async sbatch(script: string): Promise<string> {
    this.submissions++;
    const out = await this.run('sbatch', ['--parsable'], script);
    return out.trim().split(';')[0]!;
  }

  /** This user's jobs of a name, newest first: the queue's (live), then accounting's (also ended ones). */
  async byName(name: string): Promise<SlurmJobFacts[]> {
    const live = await this.squeue(['--name', name]);
    if (live.length) return live;
    const done = await this.sacct(['--name', name, '-S', 'now-7days']);
    return done.sort((a, b) => Number(b.jobId) - Number(a.jobId));
  }

  async byId(jobId: string): Promise<SlurmJobFacts | undefined> {
    const live = await this.squeue(['-j', jobId]).catch(() => []); // squeue errors on an id that left the queue
    return live[0] ?? (await this.sacct(['-j', jobId]))[0];
  }

  async scancel(jobId: string): Promise<void> {
    await this.run('scancel', [jobId]);
  }

  private async squeue(args: string[]): Promise<SlurmJobFacts[]> {
    const out = await this.run('squeue', ['-h', '--me', '-o', '%i|%T|%r', ...args]);
    return parse(out, (c) => ({ jobId: c[0]!, state: c[1]!, reason: c[2] }));
  }

  private async sacct(args: string[]): Promise<SlurmJobFacts[]> {
    const out = await this.run('sacct', ['-n', '-P', '-X', '-o', 'JobID,State,ExitCode,Reason', ...args]);
    return parse(out, (c) => ({ jobId: c[0]!, state: c[1]!, exitCode: c[2], reason: c[3] }));
  }
}

function parse(out: string, row: (cols: string[]) => SlurmJobFacts): SlurmJobFacts[] {
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => row(l.split('|')))
    .sort((a, b) => Number(b.jobId) - Number(a.jobId));
}
