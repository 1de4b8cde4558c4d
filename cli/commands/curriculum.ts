import type { Command } from 'commander';
import { loadCurriculum } from '../../lib/curriculum';
import type { Curriculum } from '../../lib/curriculum/types';
import { table } from '../../lib/format/table';

/** `strawberry curriculum show <file>`: what a curriculum file expands to, level by level. */
export function registerCurriculum(program: Command): void {
  const curriculum = program.command('curriculum').description('inspect curriculum files');
  curriculum
    .command('show <file>')
    .description('load a curriculum and print its levels: skill, difficulty, problems, held-out, trainable')
    .action(async (file: string) => {
      const c = await loadCurriculum(file);
      process.stdout.write(formatCurriculum(c));
      for (const w of c.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
    });
}

export function formatCurriculum(c: Curriculum): string {
  const header = ['#', 'level', 'skill', 'difficulty', 'problems', 'held-out', 'trainable'];
  const rows = c.levels.map((l) => {
    const held = l.problems.filter((p) => p.heldOut).length;
    const skills = new Set(l.problems.map((p) => p.skill));
    const skill = skills.size > 1 ? `${l.skill} (${skills.size} subjects)` : [...skills][0] ?? l.skill;
    return [String(l.index), l.id, skill, String(l.difficulty), String(l.problems.length), String(held), String(l.problems.length - held)];
  });
  const total = c.levels.reduce((n, l) => n + l.problems.length, 0);
  const totalHeld = c.levels.reduce((n, l) => n + l.problems.filter((p) => p.heldOut).length, 0);
  rows.push(['', 'total', '', '', String(total), String(totalHeld), String(total - totalHeld)]);
  const levels = table(header, rows, { right: [0, 3, 4, 5, 6], rule: false, maxWidth: Infinity });
  return [`curriculum: ${c.name}`, `file: ${c.path}`, `answer type: ${c.answerType}`, '', levels, ''].join('\n');
}
