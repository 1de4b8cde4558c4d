import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { writeTextAtomic } from '../../lib/atomicFile';
import { UserError } from '../../lib/errors';
import { isCampaignModel, loadEvalConfig, type LoadedEvalConfig } from '../../lib/eval/evalConfig';
import { renderEvalHtml } from '../../lib/eval/evalHtml';
import { evalTable } from '../../lib/eval/evalTable';
import { resolveModels } from '../../lib/eval/resolveModels';
import { runEval } from '../../lib/eval/runEval';
import { loadEvalSets } from '../../lib/eval/sets';
import { SampleLedger } from '../../lib/ledger';
import { DirectoryRunStore } from '../../lib/store';
import { errnoText } from '../../lib/store/ensureDir';
import { DEFAULT_BASE_MODELS, startSim, type RunningSim } from '../../sim';
import { repoRoot, stateDir } from '../temporal/paths';

/** What `sim:` configs read before their sim is up (the URL is checked again once it is). */
const SIM_PLACEHOLDER = 'http://127.0.0.1:1/v1';

/**
 * `strawberry eval <config>`: models (campaign registry entries, reference endpoints) on standard test splits and
 * held-out levels, with pass@1 (interval), pass@k and maj@k. Samples go through the eval's own ledger
 * (`<runs>/evals/<name>/ledger`), so a re-run pays only for what is missing.
 */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate models on standard test sets and held-out levels: pass@1 with its interval, pass@k, maj@k, tokens, cost')
    .argument('<eval-config>', 'an eval config (see config/eval-sim.yaml)')
    .option('--json <file>', 'write the results as JSON ({models, sets, results})')
    .option('--html <file>', 'write the results as one self-contained HTML page')
    .option('--limit <n>', 'at most this many problems per level of every set (overrides the sets\' limit: a quick look)')
    .action(async (file: string, opts: { json?: string; html?: string; limit?: string }) => {
      const limit = opts.limit === undefined ? undefined : Number(opts.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UserError(`--limit: expected a positive integer, got ${JSON.stringify(opts.limit)}`);
      const runsDir = path.resolve(process.env.STRAWBERRY_RUNS_DIR ?? 'runs');
      const store = new DirectoryRunStore(runsDir);
      // Checked first, with a placeholder for the sim's URL when the config starts one.
      const checked = await loadEvalConfig(file, { STRAWBERRY_SIM_URL: SIM_PLACEHOLDER, STRAWBERRY_SIM_KEY: 'sim', ...process.env });
      await runMissingDemos(checked, store, runsDir);
      let sim: RunningSim | undefined;
      try {
        let config = checked;
        if (checked.sim) {
          sim = await startSim({
            port: 0,
            // The demo's sim state: the trained models of demo campaigns are served again.
            stateDir: path.join(stateDir(), 'sim-state'),
            curricula: checked.curriculumPaths,
            config: { models: [...DEFAULT_BASE_MODELS, ...(checked.sim.models ?? [])] },
          });
          process.env.STRAWBERRY_SIM_URL = sim.baseURL;
          process.env.STRAWBERRY_SIM_KEY ??= 'sim-eval-key';
          process.stderr.write(`simulated provider ${sim.baseURL}\n`);
          config = await loadEvalConfig(file);
        }
        if (limit !== undefined) config = { ...config, sets: config.sets.map((s) => ({ ...s, limit })) };
        const models = await resolveModels(store, config.models);
        const sets = await loadEvalSets(config);
        const ledger = await SampleLedger.open(store.resolve(`evals/${config.name}/ledger`), { shard: 'eval' });
        let report;
        try {
          report = await runEval(config, models, sets, { ledger: ledger.view('eval'), progress: (l) => process.stderr.write(`${l}\n`) });
        } finally {
          await ledger.close();
        }
        if (opts.json) await writeOut(opts.json, `${JSON.stringify({ name: report.name, samples: report.samples, models: report.models, sets: report.sets, results: report.results }, null, 2)}\n`, '--json');
        if (opts.html) await writeOut(opts.html, renderEvalHtml(report), '--html');
        process.stdout.write(`Eval ${report.name}: ${models.length} model(s), ${sets.length} set(s), ${report.samples} sample(s) per problem; ${report.drawn} sample(s) drawn by this run (the rest from the ledger)\n\n`);
        process.stdout.write(`${evalTable(report)}\n`);
      } finally {
        await sim?.close();
      }
    });
}

async function writeOut(file: string, text: string, flag: string): Promise<void> {
  const abs = path.resolve(file);
  try {
    await writeTextAtomic(abs, text);
  } catch (err) {
    throw new UserError(`${flag} ${file}: cannot write ${abs} (${errnoText(err)})`);
  }
  process.stderr.write(`wrote ${abs}\n`);
}

/**
 * Campaign models with `demoIfMissing`: a campaign the run store does not have yet is run first, as
 * `strawberry demo --config <file> --name <campaign>` (its own Temporal dev server and sim, no keys).
 */
async function runMissingDemos(config: LoadedEvalConfig, store: DirectoryRunStore, runsDir: string): Promise<void> {
  for (const m of config.models) {
    if (!isCampaignModel(m) || !m.demoIfMissing || (await store.exists(`${m.campaign}/registry.json`))) continue;
    process.stderr.write(`campaign ${m.campaign} is not in the run store ${runsDir}: running the demo ${m.demoIfMissing} first (minutes)...\n`);
    const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin/strawberry.js'), 'demo', '--config', m.demoIfMissing, '--name', m.campaign], {
      env: { ...process.env, STRAWBERRY_RUNS_DIR: runsDir },
      stdio: ['ignore', 2, 2],
    });
    if (res.status !== 0) throw new UserError(`the demo campaign ${m.campaign} (${m.demoIfMissing}) failed (exit ${res.status ?? res.signal}); its output is above`);
  }
}
