/**
 * Plain-text tables for terminals and logs: columns separated by two spaces, a `----` rule under the header,
 * trailing spaces trimmed, long cells shortened in the middle so a table fits `maxWidth` columns. The one
 * table formatter of the project (the CLI's round, lineage and token tables, `curriculum show`, the grading
 * agreement table); workflows/memo.ts keeps its own markdown table, which runs in the workflow sandbox.
 */

/** Terminal tables fit this many columns: long cells (fine-tuned model names) are shortened in the middle. */
export const MAX_TABLE_WIDTH = 120;

/** `ft:gpt-4o-mini:org:demo-r3:abc123` -> `ft:gpt-4o-m…demo-r3:abc123` (ends kept: they tell models apart). */
export function shorten(text: string, width: number): string {
  if (text.length <= width) return text;
  const keep = Math.max(1, width - 1);
  const head = Math.ceil(keep / 3);
  return `${text.slice(0, head)}…${text.slice(text.length - (keep - head))}`;
}

export interface TableOptions {
  /** The widest the table may be (default MAX_TABLE_WIDTH); `Infinity` never shortens. */
  maxWidth?: number;
  /** Columns never shortened (ids a person copies into another command); the other columns give way. */
  whole?: readonly number[];
  /** Column indices aligned right (numbers); the others are aligned left. */
  right?: readonly number[];
  /** The `----` line under the header (default true). */
  rule?: boolean;
}

/**
 * `header` and `rows` as aligned text, lines joined with `\n` (no final newline). Too wide: the widest column
 * is narrowed one character at a time, down to 12 (or its header's width) at least.
 */
export function table(header: string[], rows: string[][], options: TableOptions = {}): string {
  const maxWidth = options.maxWidth ?? MAX_TABLE_WIDTH;
  const whole = options.whole ?? [];
  const right = new Set(options.right ?? []);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const floor = header.map((h, i) => (whole.includes(i) ? widths[i]! : Math.min(h.length, 12)));
  while (widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1) > maxWidth) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > floor[i]! && (widest < 0 || w > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest]! -= 1;
  }
  const cells = (r: string[]) => r.map((c, i) => shorten(c ?? '', widths[i] ?? (c ?? '').length));
  const line = (r: string[]) =>
    r
      .map((c, i) => (right.has(i) ? (c ?? '').padStart(widths[i]!) : (c ?? '').padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(cells(header)),
    ...(options.rule === false ? [] : [line(widths.map((w) => '-'.repeat(w)))]),
    ...rows.map((r) => line(cells(r))),
  ].join('\n');
}
