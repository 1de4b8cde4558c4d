import { loadCurriculum } from '../curriculum/load';
import type { Curriculum } from '../curriculum/types';
import { displayPath, locate, readYamlFile } from '../curriculum/yamlFile';
import { UserError } from '../errors';
import type { ResolvedCampaignConfig } from './load';

/**
 * What a config can only be checked against with its curriculum loaded: the start level must be one of its
 * levels. Throws a UserError naming the config file, line and field.
 */
export async function assertConfigFitsCurriculum(config: ResolvedCampaignConfig, curriculum: Pick<Curriculum, 'levels'>): Promise<void> {
  const count = curriculum.levels.length;
  if (config.startLevel < count) return;
  const message = `level ${config.startLevel} is beyond the curriculum ${displayPath(config.curriculumPath)}, which has ${count} level${count === 1 ? '' : 's'} (0-${count - 1})`;
  const yaml = await readYamlFile(config.configPath).catch(() => undefined);
  throw new UserError(yaml ? locate(yaml, ['startLevel'], message) : `${displayPath(config.configPath)} startLevel: ${message}`);
}

/** An eval-only curriculum (a standard test split) is never a training source: training on it contaminates every result on it. */
export async function assertTrainable(config: ResolvedCampaignConfig, curriculum: Pick<Curriculum, 'evalOnly' | 'name'>): Promise<void> {
  if (!curriculum.evalOnly) return;
  const message = `the curriculum ${displayPath(config.curriculumPath)} ("${curriculum.name}") is eval-only (a standard test split, \`evalOnly: true\`): it cannot be a campaign's training source; evaluate on it with \`strawberry eval\` and train on its train split`;
  const yaml = await readYamlFile(config.configPath).catch(() => undefined);
  throw new UserError(yaml ? locate(yaml, ['curriculum'], message) : `${displayPath(config.configPath)} curriculum: ${message}`);
}

/** Loads the config's curriculum and checks the config against it; returns the curriculum. */
export async function loadCurriculumFor(config: ResolvedCampaignConfig): Promise<Curriculum> {
  const curriculum = await loadCurriculum(config.curriculumPath);
  await assertTrainable(config, curriculum);
  await assertConfigFitsCurriculum(config, curriculum);
  return curriculum;
}
