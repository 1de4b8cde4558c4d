import { stringify } from 'yaml';
import { kubernetesJobProblems } from './kubernetesSchema';

/**
 * The same job contract on a cluster scheduler: the job directory (job.json, log.txt, exit_code, output/) on a
 * filesystem that the workers and the cluster share, the command's argv unchanged, and the wrapper that writes
 * `exit_code` when the command ends. A worker then reads status from the files exactly as for a local job;
 * only the start (and cancel) go through the scheduler: `sbatch` / `scancel`, `kubectl apply` / `kubectl delete job`.
 */
export interface SubmissionJob {
  /** The job id (business-key slug): also the Slurm job name and the Kubernetes Job name. */
  id: string;
  key: string;
  argv: string[];
  cwd: string;
  /** The job directory on the shared filesystem. */
  jobDir: string;
  env?: Record<string, string>;
}

export interface SlurmOptions {
  /** Extra `#SBATCH` lines' options, e.g. `['--partition=gpu', '--gres=gpu:1', '--time=24:00:00']`. */
  sbatch?: string[];
}

export interface KubernetesOptions {
  image: string;
  namespace?: string;
  /** A PersistentVolumeClaim holding the shared directory, mounted at `mountPath`. */
  pvc: string;
  mountPath: string;
  resources?: Record<string, unknown>;
}

// Exits with the command's code, so the scheduler's own state (Slurm FAILED, a failed Kubernetes Job) is right too.
const WRAPPER = '"$@"; code=$?; echo $code > "$STRAWBERRY_JOB_DIR/exit_code.tmp" && mv "$STRAWBERRY_JOB_DIR/exit_code.tmp" "$STRAWBERRY_JOB_DIR/exit_code"; exit $code';

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** An `sbatch` script: submit with `sbatch --parsable <script>`, cancel with `scancel --name <id>`. */
export function renderSlurmScript(job: SubmissionJob, opts: SlurmOptions = {}): string {
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${job.id}`,
    `#SBATCH --output=${job.jobDir}/log.txt`,
    `#SBATCH --chdir=${job.cwd}`,
    ...(opts.sbatch ?? []).map((o) => `#SBATCH ${o}`),
    `# open-strawberry fine-tune job, business key ${job.key}`,
    `export STRAWBERRY_JOB_DIR=${shellQuote(job.jobDir)}`,
    ...Object.entries(job.env ?? {}).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `set -- ${job.argv.map(shellQuote).join(' ')}`,
    WRAPPER,
    '',
  ];
  return lines.join('\n');
}

/**
 * A Kubernetes Job manifest: `kubectl apply -f`, cancel with `kubectl delete job <id>`. Never retried by the
 * cluster. Validated against the Kubernetes schema of `batch/v1` Job before it is returned, so a bad option
 * (an image left out, a resources block of the wrong shape) fails here, naming the field, not at `kubectl apply`.
 */
export function renderKubernetesJob(job: SubmissionJob, opts: KubernetesOptions): string {
  const manifest = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: job.id,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      labels: { 'app.kubernetes.io/managed-by': 'open-strawberry' },
      annotations: { 'open-strawberry/business-key': job.key },
    },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'train',
              image: opts.image,
              workingDir: job.cwd,
              command: ['/bin/sh', '-c', WRAPPER, 'strawberry-job', ...job.argv],
              env: [{ name: 'STRAWBERRY_JOB_DIR', value: job.jobDir }, ...Object.entries(job.env ?? {}).map(([name, value]) => ({ name, value }))],
              volumeMounts: [{ name: 'shared', mountPath: opts.mountPath }],
              ...(opts.resources ? { resources: opts.resources } : {}),
            },
          ],
          volumes: [{ name: 'shared', persistentVolumeClaim: { claimName: opts.pvc } }],
        },
      },
    },
  };
  const problems = kubernetesJobProblems(manifest);
  if (problems.length) throw new Error(`the Kubernetes Job for ${job.id} is not a valid batch/v1 Job: ${problems.join('; ')}`);
  return stringify(manifest);
}
