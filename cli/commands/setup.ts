import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { EnvironmentError } from '../../lib/errors';
import { setupLocalPython, setupTrlPython } from '../python/setupLocal';
import { repoRoot } from '../temporal/paths';
import { provisionTemporalCli } from '../temporal/provision';

/** `strawberry setup`: fetch or build what a fresh machine lacks (the Temporal CLI; with --local, the Python venv). */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('find or install the Temporal CLI (TEMPORAL_CLI, PATH, .strawberry/bin, go install, SDK download); --local: also the Python venv of the local model backend; --trl: the venv of the TRL recipe; --services: PostgreSQL and the S3-compatible store for workers on several hosts')
    .option('--local', 'create .strawberry/venv and install python/requirements.txt (the CPU reference trainer and server)')
    .option('--trl', 'create .strawberry/trl-venv and install recipes/trl/requirements.txt (torch, transformers, trl, peft: about 6 GB, the CUDA libraries of Linux torch)')
    .option('--services', 'start PostgreSQL (scripts/postgres-up.sh) and the S3-compatible object store (scripts/s3-up.sh) on this machine and print the environment that points workers at them')
    .action(async (opts: { local?: boolean; trl?: boolean; services?: boolean }) => {
      const cli = await provisionTemporalCli();
      process.stdout.write(`Temporal CLI: ${cli.path} (from ${cli.source})\n`);
      if (opts.local) await setupLocalPython();
      if (opts.trl) await setupTrlPython();
      if (opts.services) setupServices();
    });
}

/**
 * Runs each service's idempotent up-script (the same ones tests and CI call) and prints the `export NAME=value`
 * lines a worker's environment needs: the ledger URL postgres-up.sh prints as STRAWBERRY_LEDGER, and the lines
 * s3-up.sh prints as they are.
 */
function setupServices(): void {
  const up = (what: string, script: string): string[] => {
    const r = spawnSync(path.join(repoRoot, script), [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new EnvironmentError(`${what}: ${script} failed (${r.error?.message ?? `exit ${r.status}`}); see its messages above`);
    return r.stdout.trim().split('\n').filter((l) => l.trim());
  };
  const ledger = up('PostgreSQL', 'scripts/postgres-up.sh').at(-1);
  const exports = [
    '# PostgreSQL for the ledger and registry (scripts/postgres-up.sh)',
    `export STRAWBERRY_LEDGER=${ledger}`,
    '# S3-compatible object store for the run store (scripts/s3-up.sh)',
    ...up('S3-compatible object store', 'scripts/s3-up.sh'),
  ];
  process.stderr.write('The environment for workers and the CLI (eval "$(strawberry setup --services | grep ^export)"):\n');
  process.stdout.write(`${exports.join('\n')}\n`);
}
