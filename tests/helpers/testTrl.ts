import { setupTrlPython } from '../../cli/python/setupLocal';
import { trlVenvDir } from '../../lib/providers/local/python';
import { testVenv } from './testVenv';

/**
 * The TRL recipe's venv (recipes/trl: torch, transformers, trl, peft), made by `tests/globalSetup.ts` with
 * `strawberry setup --trl` like the JAX venv (tests/helpers/testPython.ts): a few minutes and about 6 GB the
 * first time. `STRAWBERRY_SKIP_TRL=1` leaves it out on purpose.
 */
const venv = testVenv({
  label: 'TRL venv',
  setupFlag: '--trl',
  optOut: { variable: 'STRAWBERRY_SKIP_TRL', value: '1' },
  missingVariable: 'STRAWBERRY_TEST_TRL_MISSING',
  setup: setupTrlPython,
  venvDir: () => trlVenvDir(),
});

export const prepareTestTrl = venv.prepare;
/** Why the TRL tests cannot run here, or undefined when they can. */
export const testTrlMissing = venv.missing;
export const trlPython = venv.python;
