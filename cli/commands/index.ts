import type { Command } from 'commander';
import { registerCheckAnswers } from './checkAnswers';
import { registerConfigure } from './configure';
import { registerCurriculum } from './curriculum';
import { registerDemo } from './demo';
import { registerDev } from './dev';
import { registerEval } from './eval';
import { registerList } from './list';
import { registerModels } from './models';
import { registerReport } from './report';
import { registerResume } from './resume';
import { registerSetup } from './setup';
import { registerSignals } from './signals';
import { registerSim } from './sim';
import { registerStart } from './start';
import { registerStatus } from './status';
import { registerTraces } from './traces';
import { registerUi } from './ui';
import { registerValidate } from './validate';
import { registerWorker } from './worker';

/** One line per command, in the order `--help` lists them; each command lives in its own file. */
export function registerCommands(program: Command): void {
  // campaigns
  registerStart(program);
  registerStatus(program);
  registerList(program);
  registerSignals(program);
  registerConfigure(program);
  registerResume(program);
  registerModels(program);
  registerReport(program);
  registerTraces(program);
  registerEval(program);
  // running things on this machine
  registerWorker(program);
  registerDev(program);
  registerUi(program);
  registerDemo(program);
  registerSim(program);
  registerSetup(program);
  // files
  registerCurriculum(program);
  registerValidate(program);
  registerCheckAnswers(program);
}
