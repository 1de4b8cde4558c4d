import { Command, CommanderError } from 'commander';
import { isUserError } from '../lib/errors';
import { registerCommands } from './commands';

/** `strawberry`: every command registers itself from cli/commands/; errors a user can fix print without a stack. */
async function main(argv: string[]): Promise<void> {
  const program = new Command('strawberry')
    .description('open-strawberry: iterative bootstrapping curricula for reasoning models, as durable Temporal workflows')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help text).
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (isUserError(err)) {
    process.stderr.write(`strawberry: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`strawberry: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
