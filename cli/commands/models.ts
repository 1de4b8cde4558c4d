import type { Command } from 'commander';
import { UserError } from '../../lib/errors';
import { ModelRegistry } from '../../lib/registry';
import { lineageTable } from '../report';
import { cliRunStore } from './start';

/** `strawberry models <name>`: the campaign's model lineage with evaluations, and the rejected candidates (read from the run store). */
export function registerModels(program: Command): void {
  program
    .command('models <name>')
    .description("a campaign's model lineage (base -> promoted models) with held-out evaluations, and rejected candidates")
    .option('--json', 'print {lineage, rejected, all} as JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const store = cliRunStore();
      const registry = await ModelRegistry.load(store, name);
      const all = registry.entries();
      if (all.length === 0) {
        throw new UserError(`no model registry for campaign "${name}" in the run store ${store.root} (${registry.path}); set STRAWBERRY_RUNS_DIR to the workers' run store`);
      }
      const lineage = registry.lineage();
      const rejected = all.filter((m) => m.status === 'rejected');
      const candidates = all.filter((m) => m.status === 'candidate');
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ campaign: name, lineage, rejected, all }, null, 2)}\n`);
        return;
      }
      const out = (line = '') => process.stdout.write(`${line}\n`);
      out(`Model lineage of campaign ${name}:`);
      out(lineageTable(lineage));
      if (rejected.length) {
        out();
        out('Rejected candidates:');
        out(lineageTable(rejected));
        for (const m of rejected) if (m.reason) out(`  ${m.modelId}: ${m.reason}`);
      }
      if (candidates.length) {
        out();
        out('Candidates not yet decided:');
        out(lineageTable(candidates));
      }
    });
}
