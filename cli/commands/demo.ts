import path from 'node:path';
import type { Command } from 'commander';
import { loadCampaignConfig } from '../../lib/config/load';
import { UserError } from '../../lib/errors';
import { ModelRegistry } from '../../lib/registry';
import { DirectoryRunStore } from '../../lib/store';
import { startSim } from '../../sim';
import { campaignWorkflowId } from '../../workflows/campaign';
import { connectClient, startCampaign } from '../campaigns';
import { levelNamesOf, lineageTable, roundsTable } from '../report';
import { connectOrStartServer } from '../temporal/devServer';
import { repoRoot, stateDir } from '../temporal/paths';
import { createWorker } from '../temporal/worker';

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
      const server = await connectOrStartServer({});
      const sim = await startSim({ port: 0, stateDir: path.join(stateDir(), 'sim-state'), ...(await simCurricula(opts.config)) });
      process.env.STRAWBERRY_SIM_URL = sim.baseURL;
      process.env.STRAWBERRY_SIM_KEY ??= 'sim-demo-key';
      const runsDir = path.resolve(process.env.STRAWBERRY_RUNS_DIR ?? 'runs');
      process.env.STRAWBERRY_RUNS_DIR = runsDir;
      const loaded = await loadCampaignConfig(opts.config);
      const name = opts.name ?? `${loaded.name}-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
      const config = { ...loaded, name };
      // A task queue of its own: a demo campaign needs this process's sim, so no other worker may take its tasks.
      const taskQueue = `demo/${name}`;
      const { client, connection } = await connectClient(server.address, server.namespace);
      const { worker, connection: workerConnection } = await createWorker({ address: server.address, namespace: server.namespace, taskQueue });
      let interrupted = false;
      try {
        const out = (line = '') => process.stdout.write(`${line}\n`);
        out(`Temporal server ${server.address}; simulated provider ${sim.baseURL}; run store ${runsDir}/${name}`);
        const link = server.uiUrl ? `${server.uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(campaignWorkflowId(name))}` : undefined;
        if (link) out(`Web UI: ${link}`);
        out(`Running campaign ${name} (${config.stopping.maxRounds} rounds at most)...`);
        const started = Date.now();
        const handle = await startCampaign(client, { config }, { taskQueue });
        // Ctrl-C: the demo's campaign cannot go on without this process's sim, so it is terminated (its run store stays).
        const onInterrupt = new Promise<never>((_, reject) =>
          process.once('SIGINT', () => {
            interrupted = true;
            handle
              .terminate('demo interrupted (Ctrl-C)')
              .catch(() => undefined)
              .then(() => reject(new UserError(`interrupted: demo campaign ${name} terminated; what it did is in ${runsDir}/${name}`, 130)));
          }),
        );
        const result = await worker.runUntil(Promise.race([handle.result(), onInterrupt]));
        out();
        const levelNames = await levelNamesOf(config.curriculumPath);
        out(roundsTable(result.rounds, levelNames));
        out();
        out('Model lineage:');
        const registry = await ModelRegistry.load(new DirectoryRunStore(runsDir), name);
        out(lineageTable(registry.lineage(), levelNames));
        out();
        out(`Stopped: ${result.stopReason}. Final model ${result.finalModel}, frontier level ${result.frontier}, in ${Math.round((Date.now() - started) / 1000)} s.`);
        if (link) out(`Web UI: ${link}`);
      } finally {
        // After Ctrl-C the result's long poll is still pending: closing its channel would crash it; the process exits anyway.
        if (!interrupted) await connection.close();
        await workerConnection.close();
        await sim.close();
        await server.stop();
      }
    });
}

/** The sim serves the curriculum the config names. */
async function simCurricula(configFile: string): Promise<{ curricula: string[] }> {
  process.env.STRAWBERRY_SIM_URL ??= 'http://127.0.0.1:0/v1';
  const config = await loadCampaignConfig(configFile);
  return { curricula: [config.curriculumPath] };
}
