import type { Command } from 'commander';
import { UserError } from '../../lib/errors';
import { loadCurriculum } from '../../lib/curriculum';
import { displayPath, readYamlFile, type YamlFile } from '../../lib/curriculum/yamlFile';
import { loadCampaignConfig } from '../../lib/config/load';
import { loadCurriculumFor } from '../../lib/config/curriculumFit';

/**
 * One kind of file `strawberry validate` knows. `matches` looks at the parsed YAML's shape only;
 * `validate` throws a UserError (file, line, field path) or returns the summary after `ok: <file>`.
 */
export interface FileValidator {
  kind: string;
  matches(value: Record<string, unknown>): boolean;
  validate(file: YamlFile): Promise<{ summary: string; warnings?: string[] }>;
}

/** A top-level `levels:` list means a curriculum. Campaign configs: push a validator here (hook). */
export const fileValidators: FileValidator[] = [
  {
    kind: 'curriculum',
    matches: (v) => Array.isArray(v.levels),
    async validate(file) {
      const c = await loadCurriculum(file.path);
      const problems = c.levels.reduce((n, l) => n + l.problems.length, 0);
      const held = c.levels.reduce((n, l) => n + l.problems.filter((p) => p.heldOut).length, 0);
      const warn = c.warnings?.length ? `, ${c.warnings.length} warning(s)` : '';
      return { summary: `curriculum "${c.name}": ${c.levels.length} levels, ${problems} problems, ${held} held out${warn}`, warnings: c.warnings };
    },
  },
  {
    kind: 'campaign config',
    matches: (v) => v.providers !== undefined,
    async validate(file) {
      const config = await loadCampaignConfig(file.path);
      const c = await loadCurriculumFor(config);
      return { summary: `campaign ${config.name}, curriculum ${displayPath(config.curriculumPath)}, ${c.levels.length} levels`, warnings: c.warnings };
    },
  },
];

export async function validateFile(path: string): Promise<{ kind: string; summary: string; warnings: string[] }> {
  const file = await readYamlFile(path);
  const value = file.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${file.displayPath}: expected a YAML mapping at the top level`);
  const validator = fileValidators.find((v) => v.matches(value as Record<string, unknown>));
  if (!validator)
    throw new UserError(`${file.displayPath}: not a file strawberry knows (${fileValidators.map((v) => v.kind).join(', ')}); a curriculum has a top-level \`levels:\` list`);
  const { summary, warnings } = await validator.validate(file);
  return { kind: validator.kind, summary, warnings: warnings ?? [] };
}

/** `strawberry validate <file...>`: checks files without running anything; exit 2 on the first invalid one. */
export function registerValidate(program: Command): void {
  program
    .command('validate <files...>')
    .description('check curriculum files (and configs): prints ok, or the file, line and field path of each problem')
    .action(async (files: string[]) => {
      for (const f of files) {
        const { summary, warnings } = await validateFile(f);
        process.stdout.write(`ok: ${f} (${summary})\n`);
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      }
    });
}
