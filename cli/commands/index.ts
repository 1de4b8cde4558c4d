import type { Command } from 'commander';
import { registerDemo } from './demo';
import { registerDev } from './dev';
import { registerCheckAnswers } from './checkAnswers';
import { registerSetup } from './setup';
import { registerCurriculum } from './curriculum';
import { registerValidate } from './validate';
import { registerSim } from './sim';

/** One line per command; each command lives in its own file under cli/commands/. */
export function registerCommands(program: Command): void {
  registerDev(program);
  registerCheckAnswers(program);
  registerDemo(program);
  registerSetup(program);
  registerCurriculum(program);
  registerValidate(program);
  registerSim(program);
}
