/**
 * setupFiles of the `unit` jest project (jest.config.js): unit tests need neither a Temporal server nor Python.
 * Any attempt to start or reach a server (the Temporal CLI, TestWorkflowEnvironment, a Client or worker
 * connection) or to run Python fails the test with a message saying it belongs in tests/integration.
 * The mocks are jest.mock factories, so they apply to this test file's module registry only (a unit and an
 * integration file sharing a worker process do not see each other's modules) and cost nothing until a test
 * requires the module. MockActivityEnvironment (no server) stays available.
 */
import * as path from 'node:path';

const refuse = (what: string): never => {
  throw new Error(`unit tests run without a Temporal server and without Python (${what}); move this test to tests/integration`);
};

/** The Temporal CLI or a Python interpreter (also anything under .strawberry/, the venv and the cached CLI). */
export function forbiddenCommand(file: unknown): string | undefined {
  if (typeof file !== 'string') return undefined;
  const first = file.trim().split(/\s+/)[0] ?? '';
  const base = path.basename(first);
  if (/^temporal(\.exe)?$/i.test(base) || /^python[0-9.]*(\.exe)?$/i.test(base) || /(^|[\\/])\.strawberry[\\/]/.test(first)) return first;
  if (process.env.TEMPORAL_CLI && first === process.env.TEMPORAL_CLI) return first;
  return undefined;
}

function guardChildProcess(id: string): unknown {
  const actual = jest.requireActual(id) as Record<string, unknown>;
  const guarded: Record<string, unknown> = { ...actual };
  for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync']) {
    const fn = actual[name] as (...a: unknown[]) => unknown;
    guarded[name] = (...args: unknown[]) => {
      const bad = forbiddenCommand(args[0]);
      if (bad) refuse(`child_process.${name}(${JSON.stringify(bad)})`);
      return fn(...args);
    };
  }
  return guarded;
}
jest.mock('child_process', () => guardChildProcess('child_process'));
jest.mock('node:child_process', () => guardChildProcess('node:child_process'));

/** Replaces static methods on the module's own classes: also catches internal uses (new Client() calls Connection.lazy()). */
function guardStatics(id: string, statics: Record<string, string[]>): unknown {
  const actual = jest.requireActual(id) as Record<string, object>;
  for (const [cls, names] of Object.entries(statics)) {
    for (const name of names) {
      Object.defineProperty(actual[cls], name, { value: () => refuse(`${cls}.${name}`), configurable: true, writable: true });
    }
  }
  return actual;
}
jest.mock('@temporalio/testing', () =>
  guardStatics('@temporalio/testing', { TestWorkflowEnvironment: ['createLocal', 'createTimeSkipping', 'createFromExistingServer'] }),
);
jest.mock('@temporalio/client', () => guardStatics('@temporalio/client', { Connection: ['connect', 'lazy'] }));
jest.mock('@temporalio/worker', () => guardStatics('@temporalio/worker', { NativeConnection: ['connect'], Worker: ['create'] }));
