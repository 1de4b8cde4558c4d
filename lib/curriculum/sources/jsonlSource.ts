import { readFile } from 'node:fs/promises';
import { UserError } from '../../errors';
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
 * Reads and parses a whole JSONL data file (MATH's 11 MB reads in well under a second; a stream would not
 * be faster). A bad row is `file:line: field "x": ...`: an error, or counted when `onInvalidRow: skip`.
 */
export async function readJsonlRows(absPath: string, spec: JsonlSourceSpec): Promise<JsonlRows> {
  const shown = displayPath(absPath);
  let text: string;
  try {
    text = await readFile(absPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${shown}: data file not found` : `${shown}: cannot read (${code ?? String(err)})`);
  }
  const parse = rowParser(spec);
  const out: JsonlRows = { rows: [], skipped: 0 };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let problem: string;
    try {
      const value: unknown = JSON.parse(line);
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new RowError('expected a JSON object');
      out.rows.push(parse(value as Record<string, unknown>));
      continue;
    } catch (err) {
      if (err instanceof SyntaxError) problem = `invalid JSON (${err.message})`;
      else if (err instanceof RowError) problem = err.message;
      else throw err;
    }
    const where = `${shown}:${i + 1}: ${problem}`;
    if (spec.onInvalidRow === 'error') throw new UserError(`${where} (set onInvalidRow: skip to drop such rows)`);
    out.skipped++;
    out.firstProblem ??= where;
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
