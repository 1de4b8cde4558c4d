/**
 * The unit project (tests/setupUnit.ts) refuses what needs a Temporal server or Python, and no unit run starts one:
 * only the integration project's globalSetup starts the dev server.
 */
import { spawnSync } from 'node:child_process';
import { execFileSync } from 'child_process';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';

const MOVE = /move this test to tests\/integration/;

describe('unit tests run without a Temporal server and without Python', () => {
  it('starting the Temporal CLI or Python fails the test', () => {
    expect(() => spawnSync('/work/.strawberry/bin/temporal', ['server', 'start-dev'])).toThrow(MOVE);
    expect(() => spawnSync('temporal', ['--version'])).toThrow(MOVE);
    expect(() => execFileSync('python3', ['-c', 'print(1)'])).toThrow(MOVE);
    expect(() => spawnSync('.strawberry/venv/bin/python', ['-V'])).toThrow(MOVE);
    // other commands run as usual
    expect(spawnSync(process.execPath, ['-e', 'process.stdout.write("ok")'], { encoding: 'utf8' }).stdout).toBe('ok');
  });

  it('a test environment, a client or a worker connection fails the test', async () => {
    expect(() => TestWorkflowEnvironment.createLocal()).toThrow(MOVE);
    expect(() => TestWorkflowEnvironment.createTimeSkipping()).toThrow(MOVE);
    expect(() => Connection.connect({ address: 'localhost:7233' })).toThrow(MOVE);
    expect(() => new Client()).toThrow(MOVE);
    expect(() => NativeConnection.connect({ address: 'localhost:7233' })).toThrow(MOVE);
  });

  it('MockActivityEnvironment (no server) still works', async () => {
    expect(await new MockActivityEnvironment().run(async () => 42)).toBe(42);
  });

  it('no setup starts a server for a unit run: only the integration project has a globalSetup', () => {
    // Jest 29 runs a project's globalSetup only when a selected test belongs to that project.
    const config = require('../../jest.config.js') as { globalSetup?: string; projects: { displayName: string; globalSetup?: string }[] };
    expect(config.globalSetup).toBeUndefined();
    const unit = config.projects.find((p) => p.displayName === 'unit')!;
    expect(unit.globalSetup).toBeUndefined();
    expect(config.projects.filter((p) => p.globalSetup).map((p) => p.displayName)).toEqual(['integration']);
  });
});
