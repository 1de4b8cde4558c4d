import type { Command } from 'commander';
import { setupLocalPython } from '../python/setupLocal';
import { provisionTemporalCli } from '../temporal/provision';

/** `strawberry setup`: fetch or build what a fresh machine lacks (the Temporal CLI; with --local, the Python venv). */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('find or install the Temporal CLI (TEMPORAL_CLI, PATH, .strawberry/bin, go install, SDK download); --local: also the Python venv of the local model backend')
    .option('--local', 'create .strawberry/venv and install python/requirements.txt (the CPU reference trainer and server)')
    .action(async (opts: { local?: boolean }) => {
      const cli = await provisionTemporalCli();
      process.stdout.write(`Temporal CLI: ${cli.path} (from ${cli.source})\n`);
      if (opts.local) await setupLocalPython();
    });
}
