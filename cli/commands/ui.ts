import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { campaignWorkflowId } from '../../workflows/campaign';
import { onInterrupt } from '../interrupt';
import { startDevServer } from '../temporal/devServer';
import { keptPorts, portIsFree } from '../temporal/keptPorts';
import { stateDir } from '../temporal/paths';

/** The Web UI page of a campaign (or the workflow list) on a local UI. */
export function campaignLink(uiUrl: string, namespace: string, campaign?: string): string {
  const base = `${uiUrl}/namespaces/${namespace}/workflows`;
  return campaign ? `${base}/${encodeURIComponent(campaignWorkflowId(campaign))}` : base;
}

/** The command a person types to look at a demo campaign again. */
export function uiCommand(campaign: string): string {
  return `npm run strawberry -- ui ${campaign}`;
}

async function answersTemporal(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 2_000 });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/**
 * `strawberry ui [campaign]`: reopens the local dev server's SQLite file (the one `demo` and `dev` use) with its
 * Web UI on the ports it had before, so links printed earlier work again; no worker runs, and what campaigns and
 * rounds did is read from their memos. Ctrl-C stops it.
 */
export function registerUi(program: Command): void {
  program
    .command('ui [campaign]')
    .description('reopen the local Temporal database (.strawberry/temporal.db) with its Web UI on the same port as before, to look at campaigns afterwards')
    .option('--db <file>', 'SQLite file (default .strawberry/temporal.db)')
    .action(async (campaign: string | undefined, opts: { db?: string }) => {
      const dbFile = path.resolve(opts.db ?? path.join(stateDir(), 'temporal.db'));
      const namespace = 'default';
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const kept = await keptPorts(dbFile);
      if (kept && !(await portIsFree(kept.port)) && (await answersTemporal(`127.0.0.1:${kept.port}`))) {
        out(`A Temporal dev server already serves ${dbFile} on 127.0.0.1:${kept.port}.`);
        out(`Web UI: ${campaignLink(`http://127.0.0.1:${kept.uiPort}`, namespace, campaign)}`);
        return;
      }
      const interrupt = onInterrupt();
      try {
        const server = await interrupt.race(startDevServer({ dbFile, ui: true, keepPorts: true, namespace }));
        try {
          out(`Temporal dev server on ${server.address} (database ${dbFile}); no worker runs: pages show what the memos kept.`);
          out(`Web UI: ${campaignLink(server.uiUrl!, namespace, campaign)}`);
          out(`Campaigns: ${server.uiUrl}/namespaces/${namespace}/workflows?query=${encodeURIComponent('WorkflowType="campaignWorkflow"')}`);
          out('Press Ctrl-C to stop.');
          await interrupt.signal.catch(() => undefined);
        } finally {
          await server.stop();
        }
      } finally {
        interrupt.dispose();
      }
    });
}
