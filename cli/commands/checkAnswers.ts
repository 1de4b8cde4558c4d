import type { Command } from 'commander';
import { writeTextAtomic } from '../../lib/atomicFile';
import { UserError } from '../../lib/errors';
import { type JsonlLine, readJsonl, reject, type Rejected } from '../../lib/jsonl';
import { answersEquivalent, type AnswerType, type EquivalenceOptions, type EquivalenceReason } from '../../lib/grading';

/** Per-line comparison settings, Math-Verify's names (as in shared/data/answer-equivalence). */
interface PairParams {
  precision?: number;
  strict?: boolean;
  allow_set_relation_comp?: boolean;
}

interface Pair {
  id: string;
  gold: string;
  pred: string;
  params: PairParams;
}

/** A line's `params`: only the known fields, each of its type; anything else is a UserError naming the field. */
function readParams(v: unknown, where: string): PairParams {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${where}: field "params" must be an object {precision?, strict?, allow_set_relation_comp?}`);
  const r = v as Record<string, unknown>;
  const out: PairParams = {};
  for (const [k, x] of Object.entries(r)) {
    if (k === 'precision') {
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 15) throw new UserError(`${where}: field "params.precision" must be an integer from 0 to 15`);
      out.precision = x;
    } else if (k === 'strict' || k === 'allow_set_relation_comp') {
      if (typeof x !== 'boolean') throw new UserError(`${where}: field "params.${k}" must be true or false`);
      out[k] = x;
    } else if (k === 'match_types') {
      // accepted for compatibility with the case files; extraction is always the full order
    } else throw new UserError(`${where}: unknown field "params.${k}" (expected precision, strict, allow_set_relation_comp)`);
  }
  return out;
}

/** Reads `{id?, gold, pred}` lines; a bad line is a UserError naming `file:line` and the field. */
export async function readPairs(file: string): Promise<Pair[]> {
  const pair = (row: unknown, line: JsonlLine): Pair | Rejected => {
    if (!row || typeof row !== 'object' || Array.isArray(row)) return reject('expected a JSON object {id?, gold, pred}');
    const r = row as Record<string, unknown>;
    for (const f of ['gold', 'pred'] as const) {
      if (typeof r[f] !== 'string') return reject(`field "${f}" must be a string, got ${r[f] === undefined ? 'nothing' : typeof r[f]}`);
    }
    if (r.id !== undefined && typeof r.id !== 'string' && typeof r.id !== 'number') return reject('field "id" must be a string or a number');
    const params = readParams(r.params, `${file}:${line.line}`);
    return { id: r.id === undefined ? String(line.line) : String(r.id), gold: r.gold as string, pred: r.pred as string, params };
  };
  try {
    return await readJsonl(file, { decode: pair });
  } catch (err) {
    if (err instanceof UserError || (err as NodeJS.ErrnoException).code === undefined) throw err;
    throw new UserError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** `strawberry check-answers`: the campaigns' own answer comparison (answersEquivalent) over a JSONL of pairs. */
export function registerCheckAnswers(program: Command): void {
  program
    .command('check-answers')
    .description('compare gold and predicted answers ({id?, gold, pred, params?} per line) with the grader campaigns use')
    .requiredOption('--in <file>', 'JSONL input, one {id?, gold, pred, params?} per line; params: {precision?, strict?, allow_set_relation_comp?}')
    .option('--out <file>', 'JSONL output {id, equivalent, reason} (default: stdout)')
    .option('--answer-type <type>', 'latex or number', 'latex')
    .option('--precision <digits>', 'numbers equal when they agree to this many decimal places (a line\'s params.precision wins)')
    .option('--no-strict', 'variables matched by position, f(x) equals f(y) (a line\'s params.strict wins)')
    .option('--allow-set-relation-comp', 'a gold interval may equal a predicted inequality (a line\'s params wins)')
    .action(async (opts: { in: string; out?: string; answerType: string; precision?: string; strict: boolean; allowSetRelationComp?: boolean }) => {
      if (opts.answerType !== 'latex' && opts.answerType !== 'number') {
        throw new UserError(`--answer-type: expected latex or number, got "${opts.answerType}"`);
      }
      const answerType = opts.answerType as AnswerType;
      let precision: number | undefined;
      if (opts.precision !== undefined) {
        precision = Number(opts.precision);
        if (!/^\d+$/.test(opts.precision) || precision > 15) throw new UserError(`--precision: expected an integer from 0 to 15, got "${opts.precision}"`);
      }
      const defaults: EquivalenceOptions = { answerType, precision, strict: opts.strict, allowSetRelationComp: opts.allowSetRelationComp === true };
      const pairs = await readPairs(opts.in);
      const counts = new Map<EquivalenceReason, number>();
      let equivalent = 0;
      const lines = pairs.map((p) => {
        const r = answersEquivalent(p.gold, p.pred, {
          ...defaults,
          ...(p.params.precision !== undefined ? { precision: p.params.precision } : {}),
          ...(p.params.strict !== undefined ? { strict: p.params.strict } : {}),
          ...(p.params.allow_set_relation_comp !== undefined ? { allowSetRelationComp: p.params.allow_set_relation_comp } : {}),
        });
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
