import type { Command } from 'commander';
import { UserError } from '../../lib/errors';
import { ModelRegistry } from '../../lib/registry';
import { campaignReport } from '../../lib/report/campaignReport';
import type { ModelEntry } from '../../lib/registry';
import { table } from '../../lib/format/table';
import { lineageTable, tokensTable, trainingTable } from '../tables';
import { cliRunStore } from './start';
import { runStoreUrlOf } from '../../lib/store';

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
        throw new UserError(`no model registry for campaign "${name}" in the run store ${runStoreUrlOf(store)} (${registry.path}); set STRAWBERRY_RUN_STORE (or STRAWBERRY_RUNS_DIR) to the workers' run store`);
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
      // Chat tokens each model generated (and their cost, with a price table), from the sample ledger.
      const usage = await campaignReport(store, name);
      const byModel = new Map<string, { round: number; phase: string; model: string; samples: number; promptTokens: number; completionTokens: number; cost?: number }>();
      for (const r of usage.rounds) {
        for (const t of r.tokens) {
          const m = byModel.get(t.model) ?? { round: r.round, phase: 'all', model: t.model, samples: 0, promptTokens: 0, completionTokens: 0 };
          m.samples += t.samples;
          m.promptTokens += t.promptTokens;
          m.completionTokens += t.completionTokens;
          if (t.cost !== undefined) m.cost = (m.cost ?? 0) + t.cost;
          byModel.set(t.model, m);
        }
      }
      if (byModel.size) {
        out();
        out('Tokens by model (round: first round that sampled it):');
        out(tokensTable([...byModel.values()]));
      }
      // What training each model took and what its deployment ran (priced with the config's table).
      const training = usage.rounds.flatMap((r) => (r.training ?? []).map((row) => ({ round: r.round, ...row })));
      if (training.length) {
        out();
        out('Fine-tuning by model:');
        out(trainingTable(training));
      }
      if (usage.totals.cost !== undefined) out(`Campaign cost (chat, training, deployments): ${usage.totals.cost.toFixed(2)}`);
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
      const deployed = all.filter((m) => m.deployment);
      if (deployed.length) {
        out();
        out('Deployments:');
        const costs = new Map(usage.rounds.flatMap((r) => (r.deployments ?? []).map((d) => [d.id, d.cost] as const)));
        out(deploymentsTable(deployed, new Date(), costs));
      }
    });
}

/** One row per model with a deployment: where it is served, whether it still runs, and for how long it ran. */
export function deploymentsTable(models: readonly ModelEntry[], now = new Date(), costs?: ReadonlyMap<string, number | undefined>): string {
  return table(
    ['model', 'deployment', 'served as', 'state', 'running time', ...(costs ? ['cost'] : [])],
    models.map((m) => {
      const d = m.deployment!;
      const seconds = d.runningSeconds ?? Math.max(0, Math.round((now.getTime() - Date.parse(d.createdAt)) / 1000));
      const deleted = d.deletedAt ? `deleted ${d.deletedAt.slice(0, 16).replace('T', ' ')}` : undefined;
      return [m.modelId, d.id, d.servedModel, deleted ?? (d.readyAt ? 'live' : 'starting'), duration(seconds), ...(costs ? [costs.get(d.id)?.toFixed(2) ?? ''] : [])];
    }),
    // The deployment id stays whole (a person passes it to the provider's own tools), and so does its state.
    { whole: [1, 3] },
  );
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h}h ${m}m` : m ? `${m}m ${seconds % 60}s` : `${seconds}s`;
}
