import { UserError } from '../../errors';
import { iterJsonl, type JsonlError, reject, type Rejected } from '../../jsonl';
import type { FilterSpec, JsonlSourceSpec } from '../schema';
import { displayPath } from '../yamlFile';
import { type ParsedRow, RowError, rowParser } from './rowFormats';

export interface JsonlRows {
  rows: ParsedRow[];
  /** Rows dropped under `onInvalidRow: skip`. */
  skipped: number;
  /** The first skipped row's complaint, for the warning. */
  firstProblem?: string;
}

/**
 * Reads and parses a JSONL data file, streamed line by line. A bad row is `file:line: field "x": ...`: an
 * error, or counted when `onInvalidRow: skip`.
 */
export async function readJsonlRows(absPath: string, spec: JsonlSourceSpec): Promise<JsonlRows> {
  const shown = displayPath(absPath);
  const parse = rowParser(spec);
  const out: JsonlRows = { rows: [], skipped: 0 };
  const row = (value: unknown): ParsedRow | Rejected => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return reject('expected a JSON object');
    try {
      return parse(value as Record<string, unknown>);
    } catch (err) {
      if (err instanceof RowError) return reject(err.message);
      throw err;
    }
  };
  const invalid = (err: JsonlError) => {
    if (spec.onInvalidRow === 'error') throw new UserError(`${err.message} (set onInvalidRow: skip to drop such rows)`);
    out.skipped++;
    out.firstProblem ??= err.message;
  };
  try {
    for await (const r of iterJsonl(absPath, { label: shown, decode: row, onInvalidLine: invalid })) out.rows.push(r);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined || err instanceof UserError) throw err;
    throw new UserError(code === 'ENOENT' ? `${shown}: data file not found` : `${shown}: cannot read (${code})`);
  }
  return out;
}

/** Rows matching every filter entry: a scalar is equality, a list membership, `{min, max}` an inclusive range. */
export function filterRows(rows: readonly ParsedRow[], filter: FilterSpec | undefined): ParsedRow[] {
  if (!filter) return [...rows];
  const entries = Object.entries(filter);
  return rows.filter((r) => entries.every(([field, want]) => matches(r.fields[field], want)));
}

function matches(value: unknown, want: FilterSpec[string]): boolean {
  if (Array.isArray(want)) return want.some((w) => same(value, w));
  if (want !== null && typeof want === 'object') {
    if (typeof value !== 'number') return false;
    return (want.min === undefined || value >= want.min) && (want.max === undefined || value <= want.max);
  }
  return same(value, want);
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined) return false;
  return String(a) === String(b);
}
