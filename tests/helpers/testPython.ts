import { existsSync } from 'node:fs';
import path from 'node:path';
import { setupLocalPython } from '../../cli/python/setupLocal';
import { venvDir } from '../../lib/providers/local/python';

/**
 * The Python venv the integration tests need (the CPU reference backend, Math-Verify): `tests/globalSetup.ts`
 * creates or updates it once per run with `strawberry setup --local` (idempotent: an unchanged
 * python/requirements.txt installs nothing), so `npm install && npm test` on a fresh clone runs every test.
 * Where it cannot be made (no python3, no package index), the tests that need it are skipped with that reason
 * (listed at the end of the run by tests/skippedReporter.js); in CI the run fails instead.
 * `STRAWBERRY_TEST_PYTHON=0` leaves it out on purpose (the same tests skip, saying so).
 */
const MISSING = 'STRAWBERRY_TEST_PYTHON_MISSING';

export async function prepareTestPython(say: (line: string) => void): Promise<void> {
  if (process.env.STRAWBERRY_TEST_PYTHON === '0') {
    process.env[MISSING] = 'STRAWBERRY_TEST_PYTHON=0 (the Python venv was left out on purpose)';
    return;
  }
  try {
    await setupLocalPython({ say });
  } catch (err) {
    const reason = `the Python venv could not be set up (${(err as Error).message.split('\n')[0]}); run \`node bin/strawberry.js setup --local\``;
    if (process.env.CI) throw new Error(`${reason}. CI runs every test, so this fails the run.`);
    say(`WARNING: ${reason}; the tests that need it are skipped`);
    process.env[MISSING] = reason;
  }
}

/** Why the tests that need the venv cannot run here, or undefined when they can. */
export function testPythonMissing(): string | undefined {
  if (process.env[MISSING]) return process.env[MISSING];
  const python = path.join(venvDir(), 'bin', 'python');
  return existsSync(python) ? undefined : `no Python venv at ${python}; run \`node bin/strawberry.js setup --local\``;
}
