import type { Command } from 'commander';
import { connectOrStartServer } from '../temporal/devServer';

/** `strawberry dev`: a local Temporal dev server (SQLite file, Web UI) until Ctrl-C. */
export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('start a local Temporal dev server (persistent SQLite file, Web UI) and keep it running until Ctrl-C')
    .option('--db <file>', 'SQLite file for the server state (default .strawberry/temporal.db)')
    .option('--headless', 'without the Web UI')
    .action(async (opts: { db?: string; headless?: boolean }) => {
      const server = await connectOrStartServer({ dbFile: opts.db, ui: !opts.headless, keepPorts: true });
      if (server.kind === 'external') {
        process.stdout.write(`TEMPORAL_ADDRESS=${server.address} is set: search attributes are registered there; nothing to start.\n`);
        return;
      }
      process.stdout.write(`Temporal dev server: ${server.address} (namespace ${server.namespace})\n`);
      if (server.uiUrl) process.stdout.write(`Web UI: ${server.uiUrl}\n`);
      process.stdout.write(`In other terminals: export TEMPORAL_ADDRESS=${server.address}${server.uiUrl ? ` TEMPORAL_UI_URL=${server.uiUrl}` : ''}\n`);
      process.stdout.write('Press Ctrl-C to stop.\n');
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          process.stderr.write('Stopping the Temporal dev server...\n');
          server.stop().then(resolve, resolve);
        };
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      });
    });
}
