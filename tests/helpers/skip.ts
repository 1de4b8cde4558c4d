/**
 * Tests that need an optional part (the Python venv, Chromium, a private mount namespace) run when it is there
 * and otherwise are skipped with the reason in their name, so tests/skippedReporter.js lists each one with it
 * at the end of the run. Never a silent skip.
 */
type Block = (name: string, fn: () => void) => void;
type Test = (name: string, fn: () => unknown, timeout?: number) => void;

/** `describe`, or a skipped describe that says why. */
export function describeUnless(reason: string | undefined): Block {
  return reason ? (name, fn) => describe.skip(`${name} [skipped: ${reason}]`, fn) : describe;
}

/** `it`, or a skipped test that says why. */
export function itUnless(reason: string | undefined): Test {
  return reason ? (name, fn, timeout) => it.skip(`${name} [skipped: ${reason}]`, fn as jest.ProvidesCallback, timeout) : (it as Test);
}
