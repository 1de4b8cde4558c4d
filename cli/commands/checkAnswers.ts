import * as fs from 'node:fs';
import type { Command } from 'commander';
import { writeTextAtomic } from '../../lib/atomicFile';
import { UserError } from '../../lib/errors';
import { answersEquivalent, type AnswerType, type EquivalenceReason } from '../../lib/grading';

interface Pair {
  id: string;
  gold: string;
  pred: string;
}

/** Reads `{id?, gold, pred}` lines; a bad line is a UserError naming `file:line` and the field. */
export function readPairs(file: string): Pair[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const pairs: Pair[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file}:${i + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new UserError(`${where}: not valid JSON (expected an object {id?, gold, pred})`);
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) throw new UserError(`${where}: expected a JSON object {id?, gold, pred}`);
    const r = row as Record<string, unknown>;
    for (const f of ['gold', 'pred'] as const) {
      if (typeof r[f] !== 'string') throw new UserError(`${where}: field "${f}" must be a string, got ${r[f] === undefined ? 'nothing' : typeof r[f]}`);
    }
    if (r.id !== undefined && typeof r.id !== 'string' && typeof r.id !== 'number') {
      throw new UserError(`${where}: field "id" must be a string or a number`);
    }
    pairs.push({ id: r.id === undefined ? String(i + 1) : String(r.id), gold: r.gold as string, pred: r.pred as string });
  });
  return pairs;
}

/** `strawberry check-answers`: the campaigns' own answer comparison (answersEquivalent) over a JSONL of pairs. */
export function registerCheckAnswers(program: Command): void {
  program
    .command('check-answers')
    .description('compare gold and predicted answers ({id?, gold, pred} per line) with the grader campaigns use')
    .requiredOption('--in <file>', 'JSONL input, one {id?, gold, pred} per line')
    .option('--out <file>', 'JSONL output {id, equivalent, reason} (default: stdout)')
    .option('--answer-type <type>', 'latex or number', 'latex')
    .action(async (opts: { in: string; out?: string; answerType: string }) => {
      if (opts.answerType !== 'latex' && opts.answerType !== 'number') {
        throw new UserError(`--answer-type: expected latex or number, got "${opts.answerType}"`);
      }
      const answerType = opts.answerType as AnswerType;
      const pairs = readPairs(opts.in);
      const counts = new Map<EquivalenceReason, number>();
      let equivalent = 0;
      const lines = pairs.map((p) => {
        const r = answersEquivalent(p.gold, p.pred, { answerType });
        counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
        if (r.equivalent) equivalent++;
        return JSON.stringify({ id: p.id, equivalent: r.equivalent, reason: r.reason });
      });
      const body = lines.length ? lines.join('\n') + '\n' : '';
      // Never a half-written output: a temporary file beside it, then a rename.
      if (opts.out) {
        const out = opts.out;
        await writeTextAtomic(out, body).catch((err: unknown) => {
          throw new UserError(`--out ${out}: cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        });
      }
      else process.stdout.write(body);
      const byReason = [...counts.entries()].map(([k, v]) => `${k} ${v}`).join(', ');
      process.stderr.write(`check-answers: ${pairs.length} pairs, ${equivalent} equivalent, ${pairs.length - equivalent} not (${byReason || 'none'})\n`);
    });
}
