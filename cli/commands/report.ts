import path from 'node:path';
import type { Command } from 'commander';
import { completedRounds } from '../../lib/campaign/resume';
import { UserError } from '../../lib/errors';
import { ModelRegistry } from '../../lib/registry';
import { DirectoryRunStore } from '../../lib/store';
import { readCampaignConfig } from '../../lib/campaign/resume';
import { levelNamesOf, lineageTable, roundsTable } from '../report';

/** `strawberry report <name>`: a campaign's rounds and lineage from the run store alone (no server needed). */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('print the rounds and the model lineage of a campaign from its run store (works without a server)')
    .argument('<name>', 'campaign name')
    .option('--json', 'print JSON instead of tables')
    .action(async (name: string, opts: { json?: boolean }) => {
      const runsDir = path.resolve(process.env.STRAWBERRY_RUNS_DIR ?? 'runs');
      const store = new DirectoryRunStore(runsDir);
      if (!(await store.exists(`${name}/registry.json`))) {
        throw new UserError(`no campaign "${name}" in the run store ${runsDir} (set STRAWBERRY_RUNS_DIR to the store the campaign used)`);
      }
      const rounds = (await completedRounds(store, name)).map((r) => r.summary);
      const registry = await ModelRegistry.load(store, name);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ name, rounds, models: registry.entries() }, null, 2)}\n`);
        return;
      }
      const levelNames = await levelNamesOf((await readCampaignConfig(store, name).catch(() => undefined))?.curriculumPath);
      process.stdout.write(
        `Campaign ${name} (${runsDir}/${name})\n\n${rounds.length ? roundsTable(rounds, levelNames) : 'no completed round yet'}\n\nModels:\n${lineageTable(registry.entries(), levelNames)}\n`,
      );
    });
}
