import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeTextAtomic } from '../atomicFile';
import { seededRandom } from '../curriculum/random';
import { iterJsonl, type JsonlLine, reject } from '../jsonl';
import type { TraceRecord } from '../traces/record';
import { type ChatExample, flattenedExample, multiTurnExample } from './examples';

/** Too few examples to be worth a fine-tuning job; the workflow skips the round's training rather than fail. */
export class DatasetTooSmallError extends Error {
  constructor(
    readonly count: number,
    readonly minExamples: number,
  ) {
    super(`the dataset would have ${count} new example(s), fewer than the minimum of ${minExamples}`);
    this.name = 'DatasetTooSmallError';
  }
}

export interface WriteDatasetOptions {
  /** The JSONL file to write (its directory is created). */
  out: string;
  format: 'multi-turn' | 'flattened';
  /** Mix in earlier rounds' examples: `fraction` of the new examples' count, drawn (seeded) from these files. */
  replay?: { files: string[]; fraction: number };
  seed: number;
  /** Fewer new examples than this throws DatasetTooSmallError (default 10). Replayed lines do not count. */
  minExamples?: number;
  /** The system prompt of flattened examples (default: the chain-of-thought prompt). */
  flattenedSystemPrompt?: string;
}

export interface DatasetRef {
  path: string;
  uri: string;
  sha256: string;
  /** Lines in the file: new examples plus replayed ones. */
  count: number;
  newCount: number;
  replayCount: number;
  bytes: number;
}

/**
 * Writes an OpenAI chat fine-tuning file (`{"messages": [...]}` per line): the selected traces as examples,
 * plus replayed lines from earlier datasets, in a seeded shuffle. Written to a tmp file and renamed, so a
 * reader never sees half a dataset.
 */
export async function writeDataset(selected: readonly TraceRecord[], options: WriteDatasetOptions): Promise<DatasetRef> {
  const minExamples = options.minExamples ?? 10;
  if (selected.length < minExamples) throw new DatasetTooSmallError(selected.length, minExamples);
  const toExample = (t: TraceRecord): ChatExample =>
    options.format === 'flattened' ? flattenedExample(t, options.flattenedSystemPrompt) : multiTurnExample(t);
  const fresh = selected.map((t) => JSON.stringify(toExample(t)));

  const rand = seededRandom(`dataset:${options.seed}`);
  let replayed: string[] = [];
  if (options.replay && options.replay.fraction > 0 && options.replay.files.length > 0) {
    const want = Math.round(fresh.length * options.replay.fraction);
    const pool = await replayPool(options.replay.files, new Set(fresh));
    replayed = shuffle(pool, rand).slice(0, want);
  }
  return writeDatasetLines(options.out, shuffle([...fresh, ...replayed], rand), fresh.length);
}

/** Writes JSONL lines atomically (no reader sees half a file) and describes the file; `newCount` of them are new. */
export async function writeDatasetLines(file: string, lines: readonly string[], newCount: number): Promise<DatasetRef> {
  const text = lines.map((l) => `${l}\n`).join('');
  const out = path.resolve(file);
  await writeTextAtomic(out, text);
  return {
    path: out,
    // A real file URL: `#`, `?`, `%` or spaces in the path would make `file://${out}` point elsewhere.
    uri: pathToFileURL(out).href,
    sha256: createHash('sha256').update(text).digest('hex'),
    count: lines.length,
    newCount,
    replayCount: lines.length - newCount,
    bytes: Buffer.byteLength(text),
  };
}

/** Distinct example lines of earlier datasets, in file order, minus lines identical to a new example. */
async function replayPool(files: readonly string[], exclude: Set<string>): Promise<string[]> {
  const seen = new Set<string>();
  const pool: string[] = [];
  const example = (v: unknown, line: JsonlLine) =>
    v && typeof v === 'object' && Array.isArray((v as { messages?: unknown }).messages) ? line.text.trim() : reject('replay line has no "messages" array');
  for (const f of files) {
    for await (const line of iterJsonl(f, { decode: example })) {
      if (seen.has(line) || exclude.has(line)) continue;
      seen.add(line);
      pool.push(line);
    }
  }
  return pool;
}

/** Fisher-Yates with a seeded generator: the same seed gives the same order. */
export function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
