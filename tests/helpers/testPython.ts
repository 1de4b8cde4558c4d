import { setupLocalPython } from '../../cli/python/setupLocal';
import { venvDir } from '../../lib/providers/local/python';
import { testVenv } from './testVenv';

/**
 * The Python venv the integration tests need (the CPU reference backend, Math-Verify), made by
 * `tests/globalSetup.ts` with `strawberry setup --local`, so `npm install && npm test` on a fresh clone runs every
 * test. `STRAWBERRY_TEST_PYTHON=0` leaves it out on purpose (the same tests skip, saying so).
 */
const venv = testVenv({
  label: 'Python venv',
  setupFlag: '--local',
  optOut: { variable: 'STRAWBERRY_TEST_PYTHON', value: '0' },
  missingVariable: 'STRAWBERRY_TEST_PYTHON_MISSING',
  setup: setupLocalPython,
  venvDir: () => venvDir(),
});

export const prepareTestPython = venv.prepare;
/** Why the tests that need the venv cannot run here, or undefined when they can. */
export const testPythonMissing = venv.missing;
