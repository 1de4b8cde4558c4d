import type { Command } from 'commander';
import { registerDemo } from './demo';
import { registerDev } from './dev';
import { registerSetup } from './setup';

/** One line per command; each command lives in its own file under cli/commands/. */
export function registerCommands(program: Command): void {
  registerDev(program);
  registerDemo(program);
  registerSetup(program);
}
