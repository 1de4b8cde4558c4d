import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * A venv the tests need, made once per run by `tests/globalSetup.ts` through its `strawberry setup` flag
 * (idempotent: unchanged requirements install nothing). Left out on purpose by its opt-out variable, or where it
 * cannot be made (no python3, no package index), the tests that need it are skipped with the reason (listed at
 * the end of the run by tests/skippedReporter.js); in CI the run fails instead.
 */
export interface TestVenvSpec {
  /** What it is called in messages: "Python venv", "TRL venv". */
  label: string;
  /** The `strawberry setup` flag that makes it: --local, --trl. */
  setupFlag: string;
  /** The variable and value that leave it out on purpose. */
  optOut: { variable: string; value: string };
  /** Where the reason it is missing travels from globalSetup to the test workers. */
  missingVariable: string;
  setup: (opts: { say: (line: string) => void }) => Promise<unknown>;
  venvDir: () => string;
}

export function testVenv(spec: TestVenvSpec) {
  const python = () => path.join(spec.venvDir(), 'bin', 'python');
  const run = `run \`node bin/strawberry.js setup ${spec.setupFlag}\``;
  return {
    python,
    async prepare(say: (line: string) => void): Promise<void> {
      if (process.env[spec.optOut.variable] === spec.optOut.value) {
        process.env[spec.missingVariable] = `${spec.optOut.variable}=${spec.optOut.value} (the ${spec.label} was left out on purpose)`;
        return;
      }
      try {
        await spec.setup({ say });
      } catch (err) {
        const reason = `the ${spec.label} could not be set up (${(err as Error).message.split('\n')[0]}); ${run}`;
        if (process.env.CI) throw new Error(`${reason}. CI runs every test, so this fails the run.`);
        say(`WARNING: ${reason}; the tests that need it are skipped`);
        process.env[spec.missingVariable] = reason;
      }
    },
    /** Why the tests that need it cannot run here, or undefined when they can. */
    missing(): string | undefined {
      if (process.env[spec.missingVariable]) return process.env[spec.missingVariable];
      return existsSync(python()) ? undefined : `no ${spec.label} at ${python()}; ${run}`;
    },
  };
}
