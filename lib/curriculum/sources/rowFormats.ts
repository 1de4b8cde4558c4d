import { lastBoxed } from '../boxed';
import type { JsonlSourceSpec } from '../schema';

/** One usable row of a data file, before the loader places it in a level. */
export interface ParsedRow {
  /** The file's own id, when it has one. */
  id?: string;
  question: string;
  answer: string;
  steps: number;
  /** Per-problem skill (MATH: the subject); the level's skill otherwise. */
  skill?: string;
  /** The raw row plus the derived `steps`: what `filter` matches against. */
  fields: Record<string, unknown>;
}

/** A row that cannot be used; `message` names the field, the loader adds `file:line`. */
export class RowError extends Error {}

type Row = Record<string, unknown>;

function nonEmptyString(row: Row, field: string): string {
  const v = row[field];
  if (typeof v !== 'string') throw new RowError(`field "${field}": expected a string, got ${describe(v)}`);
  if (v.trim() === '') throw new RowError(`field "${field}": expected a non-empty string`);
  return v;
}

function optionalId(row: Row, field: string): string | undefined {
  const v = row[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new RowError(`field "${field}": expected a string or number id, got ${describe(v)}`);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `a string` : `${typeof v} ${JSON.stringify(v)}`.slice(0, 60);
}

/** Solution steps when a file says nothing better: sentences and lines, at least 1. */
export function estimateSteps(solution: string): number {
  const parts = solution
    .replace(/\$\$[\s\S]*?\$\$|\\\[[\s\S]*?\\\]/g, ' display ') // display math counts as part of its sentence
    .split(/\n+|(?<=[.!?])\s+(?=[A-Z\\$])/)
    .filter((s) => s.trim().length > 0);
  return Math.max(1, parts.length);
}

const GSM8K_FINAL = /####\s*([^\n]+?)\s*$/;

/** GSM8K: `question`, and `answer` = worked solution with `<<a*b=c>>` annotations ending in `#### N`. */
export function parseGsm8kRow(row: Row): ParsedRow {
  const question = nonEmptyString(row, 'question');
  const solution = nonEmptyString(row, 'answer');
  const m = GSM8K_FINAL.exec(solution);
  const final = m?.[1]?.replace(/,/g, '').trim();
  if (!final || !/^-?\d+(\.\d+)?$/.test(final)) throw new RowError('field "answer": expected a solution ending in "#### <number>"');
  const annotations = solution.match(/<<[^>]*>>/g)?.length ?? 0;
  const lines = solution.slice(0, m!.index).split('\n').filter((l) => l.trim() !== '').length;
  const steps = Math.max(1, annotations > 0 ? annotations : lines);
  return { id: optionalId(row, 'id'), question, answer: final, steps, fields: { ...row, steps } };
}

/** MATH: `problem`, `solution`, optional `answer` (else the last `\boxed{}` of the solution), `subject`, `level`, `unique_id`. */
export function parseMathRow(row: Row): ParsedRow {
  const question = nonEmptyString(row, 'problem');
  const solution = nonEmptyString(row, 'solution');
  let answer: string | undefined;
  if (row.answer === undefined || row.answer === null) {
    answer = lastBoxed(solution);
    if (answer === undefined || answer.trim() === '') throw new RowError('field "solution": no \\boxed{...} answer to extract (and no "answer" field)');
  } else {
    answer = nonEmptyString(row, 'answer');
  }
  const subject = row.subject;
  if (subject !== undefined && subject !== null && typeof subject !== 'string')
    throw new RowError(`field "subject": expected a string, got ${describe(subject)}`);
  const level = row.level;
  if (level !== undefined && level !== null && !(Number.isInteger(level) && (level as number) >= 1 && (level as number) <= 5))
    throw new RowError(`field "level": expected an integer 1-5 or null, got ${describe(level)}`);
  const steps = estimateSteps(solution);
  return {
    id: optionalId(row, 'unique_id') ?? optionalId(row, 'id'),
    question,
    answer: answer.trim(),
    steps,
    skill: typeof subject === 'string' && subject !== '' ? subject : undefined,
    fields: { ...row, answer: answer.trim(), steps },
  };
}

/** Any JSONL file, through the `fields` mapping of the source. */
export function parseCustomRow(row: Row, fields: NonNullable<JsonlSourceSpec['fields']>): ParsedRow {
  const question = nonEmptyString(row, fields.question);
  const rawAnswer = row[fields.answer];
  let answer: string;
  if (typeof rawAnswer === 'number' && Number.isFinite(rawAnswer)) answer = String(rawAnswer);
  else answer = nonEmptyString(row, fields.answer).trim();
  let steps = 1;
  if (fields.steps) {
    const s = row[fields.steps];
    if (!(Number.isInteger(s) && (s as number) >= 1)) throw new RowError(`field "${fields.steps}": expected a positive integer, got ${describe(s)}`);
    steps = s as number;
  }
  let skill: string | undefined;
  if (fields.skill) skill = nonEmptyString(row, fields.skill);
  return { id: fields.id ? optionalId(row, fields.id) : undefined, question, answer, steps, skill, fields: { ...row, steps } };
}

export function rowParser(spec: JsonlSourceSpec): (row: Row) => ParsedRow {
  switch (spec.format) {
    case 'gsm8k':
      return parseGsm8kRow;
    case 'math':
      return parseMathRow;
    case 'custom':
      return (row) => parseCustomRow(row, spec.fields!);
  }
}
