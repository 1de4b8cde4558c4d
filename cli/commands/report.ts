import path from 'node:path';
import type { Command } from 'commander';
import { completedRounds } from '../../lib/campaign/resume';
import { UserError } from '../../lib/errors';
import { ModelRegistry } from '../../lib/registry';
import { runStoreUrlOf, storeLocation } from '../../lib/store';
import { cliRunStore } from '../campaigns';
import { readCampaignConfig } from '../../lib/campaign/resume';
import { deploymentsTable, levelNamesOf, lineageTable, roundsTable, skillRoundsTable, tokensTable, trainingTable } from '../tables';
import { writeTextAtomic } from '../../lib/atomicFile';
import { campaignReport } from '../../lib/report/campaignReport';
import { renderHtmlReport } from '../../lib/report/html';
import { finalEvaluationText, shownEvaluation } from '../../lib/report/finalEvaluation';
import { browsedRounds } from '../../lib/report/traceBrowser';
import { PAIR_COLUMNS, pairRows } from '../../lib/report/pairsTable';
import { table } from '../../lib/format/table';
import { errnoText } from '../../lib/store/ensureDir';

/** `strawberry report <name>`: a campaign's rounds and lineage from the run store alone (no server needed). */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('print the rounds and the model lineage of a campaign from its run store (works without a server)')
    .argument('<name>', 'campaign name')
    .option('--json', 'print JSON instead of tables (with `report`: per-round pass rates, dataset composition, tokens)')
    .option('--html <file>', 'write one self-contained HTML file with plots (works offline)')
    .action(async (name: string, opts: { json?: boolean; html?: string }) => {
      const store = cliRunStore();
      if (!(await store.exists(`${name}/registry.json`))) {
        throw new UserError(`no campaign "${name}" in the run store ${runStoreUrlOf(store)} (set STRAWBERRY_RUN_STORE, or STRAWBERRY_RUNS_DIR, to the store the campaign used)`);
      }
      const rounds = (await completedRounds(store, name)).map((r) => r.summary);
      const registry = await ModelRegistry.load(store, name);
      const full = opts.json || opts.html ? await campaignReport(store, name) : undefined;
      if (opts.html) {
        const file = path.resolve(opts.html);
        const traces = await browsedRounds(store, name);
        try {
          await writeTextAtomic(file, renderHtmlReport(full!, traces));
        } catch (err) {
          throw new UserError(`--html ${opts.html}: cannot write ${file} (${errnoText(err)})`);
        }
        process.stderr.write(`wrote ${file}\n`);
        if (!opts.json) return;
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ name, rounds, models: registry.entries(), report: full }, null, 2)}\n`);
        return;
      }
      const levelNames = await levelNamesOf((await readCampaignConfig(store, name).catch(() => undefined))?.curriculumPath);
      process.stdout.write(
        `Campaign ${name} (${storeLocation(store, name)})\n\n${rounds.length ? roundsTable(rounds, levelNames) : 'no completed round yet'}\n\nModels:\n${lineageTable(registry.entries(), levelNames)}\n`,
      );
      if (rounds.some((r) => r.skills)) process.stdout.write(`\nSkills per round:\n${skillRoundsTable(rounds, levelNames)}\n`);
      const usage = await campaignReport(store, name);
      const evaluation = shownEvaluation(usage.finalEvaluation);
      if (evaluation) process.stdout.write(`\n${finalEvaluationText(evaluation)}\n`);
      const t = usage.totals;
      // Round 0: the final evaluation's tokens (round 0 and the end).
      const tokenRows = [...(usage.evaluationTokens ?? []).map((row) => ({ round: 0, ...row })), ...usage.rounds.flatMap((r) => r.tokens.map((row) => ({ round: r.round, ...row })))];
      process.stdout.write(`\nTokens${t.cost !== undefined ? ' and cost' : ' (no price table in the config: no cost)'}:\n${tokensTable(tokenRows)}\n`);
      const pairs = pairRows(usage.rounds);
      if (pairs.length) process.stdout.write(`\nPreference pairs:\n${table([...PAIR_COLUMNS], pairs, { whole: [1, 6] })}\n`);
      const training = usage.rounds.flatMap((r) => (r.training ?? []).map((row) => ({ round: r.round, ...row })));
      if (training.length) process.stdout.write(`\nFine-tuning:\n${trainingTable(training)}\n`);
      const deployed = usage.rounds.flatMap((r) => (r.deployments ?? []).map((row) => ({ round: r.round, ...row })));
      if (deployed.length) process.stdout.write(`\nDeployments:\n${deploymentsTable(deployed)}\n`);
      const extra = [
        t.trainedTokens !== undefined ? `${t.trainedTokens} trained tokens${t.trainingCost !== undefined ? ` (${t.trainingCost.toFixed(2)})` : ''}` : '',
        t.deploymentSeconds !== undefined ? `${(t.deploymentSeconds / 3600).toFixed(2)} deployment hours${t.deploymentCost !== undefined ? ` (${t.deploymentCost.toFixed(2)})` : ''}` : '',
      ].filter(Boolean);
      process.stdout.write(
        `Total: ${t.promptTokens} prompt + ${t.completionTokens} completion tokens in ${t.samples} samples${extra.length ? `, ${extra.join(', ')}` : ''}${t.cost !== undefined ? `, cost ${t.cost.toFixed(2)}` : ''}\n`,
      );
    });
}
