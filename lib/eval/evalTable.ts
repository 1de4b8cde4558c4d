/** The terminal table of an eval: one line per result row, pass@1 with its interval, pass@k and maj@k. */
import { formatCost } from '../budget/cost';
import { table } from '../format/table';
import type { EvalReport } from './runEval';

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : (100 * x).toFixed(1));

export function evalTable(report: EvalReport): string {
  const k = report.samples;
  const header = ['model', 'set', 'level/skill', 'procedure', 'n', 'pass@1', '95% CI', ...(k > 1 ? [`pass@${k}`, `maj@${k}`] : []), 'maj@1', 'tokens', 'cost'];
  const rows = report.results.map((r) => [
    r.model,
    r.set,
    r.level ?? (r.skill ? `skill ${r.skill}` : 'all'),
    r.procedure,
    String(r.n),
    pct(r.pass1),
    `${pct(r.pass1Interval[0])}-${pct(r.pass1Interval[1])}`,
    ...(k > 1 ? [pct(r.passAtK[String(k)]), pct(r.majAtK[String(k)])] : []),
    pct(r.majAtK['1']),
    String(r.tokens),
    r.costUsd === null ? '-' : formatCost(r.costUsd),
  ]);
  const right = header.map((_, i) => i).filter((i) => i >= 4);
  return `${table(header, rows, { right, whole: [0] })}\n(percentages; pass@1 is the mean over ${k} sample(s) per problem, its interval a clustered Wilson 95% interval)`;
}
