import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../errors';

/**
 * A YAML file parsed with positions, so a schema issue at `levels[2].source.digits` can be reported as
 * `curricula/x.yaml:12 levels[2].source.digits: ...`. Generic: campaign configs can use it too.
 */
export interface YamlFile {
  /** Absolute path. */
  path: string;
  /** What to call the file in messages: relative to the working directory when inside it. */
  displayPath: string;
  doc: Document;
  lineCounter: LineCounter;
  value: unknown;
}

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export async function readYamlFile(file: string): Promise<YamlFile> {
  const abs = path.resolve(file);
  const shown = displayPath(abs);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${shown}: no such file` : `${shown}: cannot read (${code ?? String(err)})`);
  }
  return parseYamlText(text, abs);
}

/** Bound on alias expansion (the yaml library's default): a config never needs more. */
const MAX_ALIAS_COUNT = 100;

export function parseYamlText(text: string, abs: string): YamlFile {
  const shown = displayPath(abs);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    throw new UserError(`${shown}:${line}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  let value: unknown;
  try {
    // The library refuses documents whose aliases expand past a bound ("billion laughs"): say so, no stack.
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UserError(`${shown}: invalid YAML: ${/alias/i.test(message) ? `its aliases (*name) expand too much (more than ${MAX_ALIAS_COUNT} alias uses); write the values out` : message}`);
  }
  return { path: abs, displayPath: shown, doc, lineCounter, value };
}

/** `levels[2].source.digits` */
export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out ? `.${String(k)}` : String(k);
  }
  return out || '(top level)';
}

/** The line of the deepest node that exists along `p` (a missing field is reported at its parent). */
export function lineOf(file: YamlFile, p: readonly PropertyKey[]): number | undefined {
  let node: unknown = file.doc.contents;
  let keyNode: Node | undefined;
  let best = rangeStart(node);
  for (const k of p) {
    let next: unknown;
    keyNode = undefined;
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(k));
      if (pair) {
        keyNode = pair.key as Node;
        next = pair.value;
      }
    } else if (isSeq(node) && typeof k === 'number') {
      next = node.items[k];
    }
    if (next === undefined || next === null) {
      if (keyNode) best = rangeStart(keyNode) ?? best;
      break;
    }
    node = next;
    best = rangeStart(keyNode ?? node) ?? best;
  }
  return best === undefined ? undefined : file.lineCounter.linePos(best).line;
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return r ? r[0] : undefined;
}

/** `curricula/x.yaml:12 levels[2].source.digits: expected a positive integer` */
export function locate(file: YamlFile, p: readonly PropertyKey[], message: string): string {
  const line = lineOf(file, p);
  return `${file.displayPath}${line ? `:${line}` : ''} ${formatPath(p)}: ${message}`;
}

/** Validates the file's value with a zod schema; every issue becomes one located line of a UserError. */
export function parseWithSchema<S extends z.ZodType>(file: YamlFile, schema: S): z.output<S> {
  const result = schema.safeParse(file.value);
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 10).map((iss) => {
    const where = iss.code === 'unrecognized_keys' && iss.keys.length > 0 ? [...iss.path, iss.keys[0]!] : iss.path;
    return locate(file, where, issueMessage(iss, valueAt(file.value, iss.path)));
  });
  const more = result.error.issues.length > 10 ? `\n(and ${result.error.issues.length - 10} more)` : '';
  throw new UserError(lines.join('\n') + more);
}

function valueAt(value: unknown, p: readonly PropertyKey[]): unknown {
  let v = value;
  for (const k of p) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function issueMessage(iss: z.core.$ZodIssue, input: unknown): string {
  if (iss.code === 'invalid_type' && input === undefined) return `missing required field (expected ${iss.expected})`;
  if (iss.code === 'unrecognized_keys') return `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  return iss.message;
}
