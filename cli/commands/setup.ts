import type { Command } from 'commander';
import { provisionTemporalCli } from '../temporal/provision';

/** `strawberry setup`: fetch or build what a fresh machine lacks (today: the Temporal CLI). */
export function registerSetup(program: Command): void {
  program
    .command('setup')
    .description('find or install the Temporal CLI (TEMPORAL_CLI, PATH, .strawberry/bin, go install, SDK download)')
    .action(async () => {
      const cli = await provisionTemporalCli();
      process.stdout.write(`Temporal CLI: ${cli.path} (from ${cli.source})\n`);
    });
}
