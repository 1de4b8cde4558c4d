import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

const historiesDir = path.join(__dirname, '../fixtures/histories');

/**
 * With STRAWBERRY_RECORD_HISTORIES=1, writes the history of a workflow run to tests/fixtures/histories/<file>,
 * where tests/integration/replay.test.ts replays it against today's workflow code. No-op otherwise.
 */
export async function recordHistory(client: Client, file: string, workflowId: string, runId?: string): Promise<void> {
  if (process.env.STRAWBERRY_RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  writeFileSync(path.join(historiesDir, file), historyToJSON(history));
}
