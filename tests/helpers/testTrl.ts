import { existsSync } from 'node:fs';
import path from 'node:path';
import { setupTrlPython } from '../../cli/python/setupLocal';
import { trlVenvDir } from '../../lib/providers/local/python';

/**
 * The TRL recipe's venv (recipes/trl: torch, transformers, trl, peft), made by `tests/globalSetup.ts` with
 * `strawberry setup --trl` like the JAX venv (tests/helpers/testPython.ts): idempotent, a few minutes and about
 * 6 GB the first time. `STRAWBERRY_SKIP_TRL=1` leaves it out on purpose; where it cannot be made the tests that
 * need it are skipped with the reason, and in CI the run fails instead.
 */
const MISSING = 'STRAWBERRY_TEST_TRL_MISSING';

export async function prepareTestTrl(say: (line: string) => void): Promise<void> {
  if (process.env.STRAWBERRY_SKIP_TRL === '1') {
    process.env[MISSING] = 'STRAWBERRY_SKIP_TRL=1 (the TRL venv was left out on purpose)';
    return;
  }
  try {
    await setupTrlPython({ say });
  } catch (err) {
    const reason = `the TRL venv could not be set up (${(err as Error).message.split('\n')[0]}); run \`node bin/strawberry.js setup --trl\``;
    if (process.env.CI) throw new Error(`${reason}. CI runs every test, so this fails the run.`);
    say(`WARNING: ${reason}; the tests that need it are skipped`);
    process.env[MISSING] = reason;
  }
}

/** Why the TRL tests cannot run here, or undefined when they can. */
export function testTrlMissing(): string | undefined {
  if (process.env[MISSING]) return process.env[MISSING];
  const python = trlPython();
  return existsSync(python) ? undefined : `no TRL venv at ${python}; run \`node bin/strawberry.js setup --trl\``;
}

export function trlPython(): string {
  return path.join(trlVenvDir(), 'bin', 'python');
}
