import type { Command } from 'commander';
import { setupLocalPython, setupTrlPython } from '../python/setupLocal';
import { provisionTemporalCli } from '../temporal/provision';

/** `strawberry setup`: fetch or build what a fresh machine lacks (the Temporal CLI; with --local, the Python venv). */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('find or install the Temporal CLI (TEMPORAL_CLI, PATH, .strawberry/bin, go install, SDK download); --local: also the Python venv of the local model backend; --trl: the venv of the TRL recipe')
    .option('--local', 'create .strawberry/venv and install python/requirements.txt (the CPU reference trainer and server)')
    .option('--trl', 'create .strawberry/trl-venv and install recipes/trl/requirements.txt (torch, transformers, trl, peft: about 6 GB, the CUDA libraries of Linux torch)')
    .action(async (opts: { local?: boolean; trl?: boolean }) => {
      const cli = await provisionTemporalCli();
      process.stdout.write(`Temporal CLI: ${cli.path} (from ${cli.source})\n`);
      if (opts.local) await setupLocalPython();
      if (opts.trl) await setupTrlPython();
    });
}
