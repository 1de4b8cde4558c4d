import type { WorkflowExecutionInfo } from '@temporalio/client';
import type { Command } from 'commander';
import { CampaignKey, FrontierKey, PhaseKey, RoundKey, StudentModelKey } from '../../workflows/searchAttributes';
import { withClient } from '../connect';
import { table } from '../../lib/format/table';

export interface CampaignRow {
  campaign: string;
  status: string;
  round?: number;
  phase?: string;
  frontier?: number;
  studentModel?: string;
  started: string;
  workflowId: string;
}

function row(info: WorkflowExecutionInfo): CampaignRow {
  const sa = info.typedSearchAttributes;
  return {
    campaign: sa.get(CampaignKey) ?? info.workflowId.replace(/^campaign\//, ''),
    status: info.status.name,
    round: sa.get(RoundKey),
    phase: sa.get(PhaseKey),
    frontier: sa.get(FrontierKey),
    studentModel: sa.get(StudentModelKey),
    started: info.startTime.toISOString(),
    workflowId: info.workflowId,
  };
}

/**
 * `strawberry list`: the campaigns on the server, from their search attributes. A campaign continues-as-new
 * after every round, so with --all only the newest run of each campaign is shown.
 */
export function registerList(program: Command): void {
  program
    .command('list')
    .description('list campaigns (running ones unless --all) with round, phase, frontier and student model')
    .option('--all', 'also finished, failed, cancelled and terminated campaigns')
    .option('--json', 'print the rows as JSON')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      await withClient(async (c) => {
        const query = `WorkflowType='campaignWorkflow'${opts.all ? '' : " AND ExecutionStatus='Running'"}`;
        const newest = new Map<string, WorkflowExecutionInfo>();
        for await (const info of c.client.workflow.list({ query })) {
          const seen = newest.get(info.workflowId);
          if (!seen || info.startTime > seen.startTime) newest.set(info.workflowId, info);
        }
        const rows = [...newest.values()].map(row).sort((a, b) => b.started.localeCompare(a.started));
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write(opts.all ? 'No campaigns on this server.\n' : 'No running campaigns (`strawberry list --all` shows finished ones too).\n');
          return;
        }
        process.stdout.write(
          `${table(
            ['campaign', 'status', 'round', 'phase', 'frontier', 'student model', 'started'],
            rows.map((r) => [r.campaign, r.status, r.round === undefined ? '' : String(r.round), r.phase ?? '', r.frontier === undefined ? '' : String(r.frontier), r.studentModel ?? '', r.started]),
          )}\n`,
        );
      });
    });
}
