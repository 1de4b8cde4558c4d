/**
 * Agreement of answersEquivalent with a labelled answer-equivalence set (e.g. the Math-Verify / MATH
 * is_equiv cases in shared/data/answer-equivalence): per category, how often our verdict equals the
 * upstream `expected`. Each case's upstream settings are honoured: `precision`, `strict`, Math-Verify's
 * `match_types` (no `expr` means no plain-number extraction from prose) and the `is_equiv` harness
 * (order-sensitive lists). Cases marked `label_questionable` or `disabled_in_source` are left out.
 */
import { table } from '../format/table';
import { readJsonl, reject, type Rejected } from '../jsonl';
import { answersEquivalent, type EquivalenceOptions, type EquivalenceReason } from './answersEquivalent';

export interface EquivalenceCase {
  id: string;
  gold: string;
  pred: string;
  expected: boolean;
  category: string;
  harness?: string;
  params?: CompareParams;
  label_questionable?: boolean;
  disabled_in_source?: boolean;
}

/** The cases of a JSONL file, streamed; a bad line is a UserError naming `file:line` and the field. */
export async function loadEquivalenceCases(file: string): Promise<EquivalenceCase[]> {
  return readJsonl<EquivalenceCase>(file, { decode: equivalenceCase });
}

function equivalenceCase(v: unknown): EquivalenceCase | Rejected {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return reject('expected a JSON object');
  const c = v as EquivalenceCase;
  for (const f of ['id', 'gold', 'pred', 'category'] as const) {
    if (typeof c[f] !== 'string') return reject(`field "${f}" must be a string`);
  }
  if (typeof c.expected !== 'boolean') return reject('field "expected" must be a boolean');
  return c;
}

export function isScoredCase(c: EquivalenceCase): boolean {
  return !c.label_questionable && !c.disabled_in_source;
}

/** Math-Verify's compare settings as they appear in case files and check-answers lines. */
export interface CompareParams {
  match_types?: string[];
  precision?: number;
  strict?: boolean;
  allow_set_relation_comp?: boolean;
}

/** EquivalenceOptions from Math-Verify's settings: no `expr` match type means no plain numbers from prose. */
export function optionsFromParams(p: CompareParams): EquivalenceOptions {
  const opts: EquivalenceOptions = { answerType: 'latex' };
  if (typeof p.precision === 'number') opts.precision = p.precision;
  if (typeof p.strict === 'boolean') opts.strict = p.strict;
  if (typeof p.allow_set_relation_comp === 'boolean') opts.allowSetRelationComp = p.allow_set_relation_comp;
  if (Array.isArray(p.match_types) && !p.match_types.some((m) => m.startsWith('expr'))) opts.plainNumbers = false;
  return opts;
}

/** The comparison settings upstream used for this case. */
export function optionsForCase(c: EquivalenceCase): EquivalenceOptions {
  const opts = optionsFromParams(c.params ?? {});
  if ((c.harness ?? '').startsWith('is_equiv')) opts.orderedLists = true;
  return opts;
}

export interface CaseResult {
  c: EquivalenceCase;
  got: boolean;
  reason: EquivalenceReason;
  agree: boolean;
}

export interface AgreementReport {
  results: CaseResult[];
  byCategory: Map<string, { n: number; agree: number }>;
  total: { n: number; agree: number };
}

export function runAgreement(cases: EquivalenceCase[]): AgreementReport {
  const results = cases.filter(isScoredCase).map((c) => {
    const r = answersEquivalent(c.gold, c.pred, optionsForCase(c));
    return { c, got: r.equivalent, reason: r.reason, agree: r.equivalent === c.expected };
  });
  const byCategory = new Map<string, { n: number; agree: number }>();
  for (const r of results) {
    const row = byCategory.get(r.c.category) ?? { n: 0, agree: 0 };
    row.n++;
    if (r.agree) row.agree++;
    byCategory.set(r.c.category, row);
  }
  return { results, byCategory, total: { n: results.length, agree: results.filter((r) => r.agree).length } };
}

const pct = (a: number, n: number) => (n === 0 ? '-' : `${((100 * a) / n).toFixed(1)}%`);

export function formatAgreementTable(rep: AgreementReport): string {
  const rows = [...rep.byCategory.entries()].sort((x, y) => x[0].localeCompare(y[0]));
  const cells = (k: string, v: { n: number; agree: number }) => [k, String(v.n), String(v.agree), pct(v.agree, v.n)];
  const lines = [
    table(['category', 'cases', 'agree', 'agreement'], [...rows.map(([k, v]) => cells(k, v)), cells('TOTAL', rep.total)], { right: [1, 2, 3], rule: false, maxWidth: Infinity }),
  ];
  const wrong = rep.results.filter((r) => !r.agree);
  if (wrong.length) lines.push(`disagreements: ${wrong.map((r) => `${r.c.id} (expected ${r.c.expected}, got ${r.got}: ${r.reason})`).join('; ')}`);
  return lines.join('\n');
}
