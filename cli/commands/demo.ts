import path from 'node:path';
import type { Command } from 'commander';
import { loadCampaignConfig } from '../../lib/config/load';
import { loadCurriculumFor } from '../../lib/config/curriculumFit';
import { ModelRegistry } from '../../lib/registry';
import { DirectoryRunStore } from '../../lib/store';
import { startSim } from '../../sim';
import { campaignWorkflowId } from '../../workflows/campaign';
import { connectClient, startCampaign } from '../campaigns';
import { levelNamesOf, lineageTable, roundsTable } from '../tables';
import { connectOrStartServer } from '../temporal/devServer';
import { repoRoot, stateDir } from '../temporal/paths';
import { createWorker } from '../temporal/worker';
import { onInterrupt } from '../interrupt';
import { webUiHint } from '../connect';
import { followProgress } from './status';
import { uiCommand } from './ui';

/**
 * `strawberry demo` (= `npm start`): the embedded default on one machine, no keys, no GPU. A Temporal dev
 * server, the simulated provider on loopback and a worker in this process run `config/demo.yaml` to the end.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the demo campaign end to end on this machine: Temporal dev server, simulated provider, worker')
    .option('--config <file>', 'campaign config to run against the sim', path.join(repoRoot, 'config/demo.yaml'))
    .option('--name <name>', 'campaign name (default: <config name>-<date>-<time>, so every demo is a new campaign)')
    .action(async (opts: { config: string; name?: string }) => {
      // Ctrl-C at any point: stop waiting, terminate the demo's campaign if it started, stop what this
      // process started, say "interrupted" and exit 130 (the run store keeps what was done).
      const interrupt = onInterrupt();
      const cleanups: (() => Promise<unknown>)[] = [];
      let name: string | undefined;
      const runsDirGiven = process.env.STRAWBERRY_RUNS_DIR !== undefined;
      const runsDir = path.resolve(process.env.STRAWBERRY_RUNS_DIR ?? 'runs');
      try {
        // Checked before anything starts (the sim's URL is not known yet: a placeholder stands in).
        const checked = await loadCampaignConfig(opts.config, { ...process.env, STRAWBERRY_SIM_URL: process.env.STRAWBERRY_SIM_URL ?? 'http://127.0.0.1:1/v1' });
        await loadCurriculumFor(checked);
        name = opts.name ?? `${checked.name}-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
        const server = await interrupt.race(connectOrStartServer({ keepPorts: true }));
        cleanups.push(() => server.stop());
        const sim = await interrupt.race(startSim({ port: 0, stateDir: path.join(stateDir(), 'sim-state'), curricula: [checked.curriculumPath] }));
        cleanups.push(() => sim.close());
        process.env.STRAWBERRY_SIM_URL = sim.baseURL;
        process.env.STRAWBERRY_SIM_KEY ??= 'sim-demo-key';
        process.env.STRAWBERRY_RUNS_DIR = runsDir;
        // The demo is the embedded default on one machine: its worker, this process and `report` share a directory.
        if (process.env.STRAWBERRY_RUN_STORE) {
          process.stderr.write(`demo: runs in the directory run store ${runsDir}, not STRAWBERRY_RUN_STORE (${process.env.STRAWBERRY_RUN_STORE}), which is for \`strawberry worker\` and \`start\`\n`);
          delete process.env.STRAWBERRY_RUN_STORE;
        }
        const config = { ...(await loadCampaignConfig(opts.config)), name };
        // A task queue of its own: a demo campaign needs this process's sim, so no other worker may take its tasks.
        const taskQueue = `demo/${name}`;
        const { client, connection } = await interrupt.race(connectClient(server));
        // After Ctrl-C the result's long poll is still pending: closing its channel would crash it; the process exits anyway.
        cleanups.push(async () => (interrupt.interrupted() ? undefined : connection.close()));
        const { worker, connection: workerConnection } = await interrupt.race(createWorker({ ...server, taskQueue }));
        cleanups.push(() => workerConnection.close());

        const out = (line = '') => process.stdout.write(`${line}\n`);
        out(`Temporal server ${server.address}; simulated provider ${sim.baseURL}; run store ${runsDir}/${name}`);
        const link = server.uiUrl ? `${server.uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(campaignWorkflowId(name))}` : undefined;
        if (link) out(`Web UI: ${link}`);
        out(`Running campaign ${name} (${config.stopping.maxRounds} rounds at most)...`);
        const started = Date.now();
        // Not raced: a Ctrl-C while it starts must still find the handle to terminate.
        const handle = await startCampaign(client, { config }, { taskQueue });
        // The campaign cannot go on without this process's sim: an interrupted demo terminates it (before the server stops).
        cleanups.push(async () => {
          if (interrupt.interrupted()) await handle.terminate('demo interrupted (Ctrl-C)').catch(() => undefined);
        });
        const finished = interrupt.race(handle.result());
        const [result] = await Promise.all([worker.runUntil(finished), followProgress(client, name, finished)]);
        out();
        const levelNames = await levelNamesOf(config.curriculumPath);
        out(roundsTable(result.rounds, levelNames));
        out();
        out('Model lineage:');
        const registry = await ModelRegistry.load(new DirectoryRunStore(runsDir), name);
        out(lineageTable(registry.lineage(), levelNames));
        out();
        out(`Stopped: ${result.stopReason}. Final model ${result.finalModel}, frontier level ${result.frontier}, in ${Math.round((Date.now() - started) / 1000)} s.`);
        out();
        out('To look at this campaign afterwards (no worker needed; rounds are kept in the workflow memos and the run store):');
        if (server.kind === 'dev-server' && link) out(`  ${uiCommand(name)}    reopens ${server.dbFile} with the Web UI on the same port: ${link}`);
        else out(`  ${webUiHint({ address: server.address, namespace: server.namespace }, name)}`);
        const runsEnv = runsDirGiven ? `STRAWBERRY_RUNS_DIR=${runsDir} ` : '';
        out(`  ${runsEnv}npm run strawberry -- report ${name} --html ${name}.html    tables, or one HTML file with plots (run store ${runsDir})`);
      } catch (err) {
        if (interrupt.interrupted()) throw interrupt.error(name ? `demo campaign ${name} terminated; what it did is in ${runsDir}/${name}` : 'the demo stopped before its campaign started');
        throw err;
      } finally {
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
        interrupt.dispose();
      }
    });
}
