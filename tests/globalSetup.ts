import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, type TemporalServer } from '../cli/temporal/devServer';
import { prepareTestPython } from './helpers/testPython';
import { prepareTestTrl } from './helpers/testTrl';

/**
 * One real Temporal dev server for the whole test run (ephemeral SQLite file, Web UI on), and the Python venv
 * (tests/helpers/testPython.ts) and the TRL recipe's venv (tests/helpers/testTrl.ts). Test files find the server
 * through STRAWBERRY_TEST_TEMPORAL_ADDRESS / _UI.
 */
export default async function globalSetup(): Promise<void> {
  await prepareTestPython((l) => process.stderr.write(`${l}\n`));
  await prepareTestTrl((l) => process.stderr.write(`${l}\n`));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-test-temporal-'));
  const server = await startDevServer({ dbFile: path.join(dir, 'temporal.db'), progress: (l) => process.stderr.write(`${l}\n`) });
  process.stderr.write(`\nTemporal dev server for tests: ${server.address}, Web UI ${server.uiUrl}\n`);
  process.env.STRAWBERRY_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.STRAWBERRY_TEST_TEMPORAL_UI = server.uiUrl ?? '';
  (globalThis as { __strawberryTemporal?: TemporalServer }).__strawberryTemporal = server;
}
