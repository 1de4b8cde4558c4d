import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../atomicFile';
import { seededRandom } from '../curriculum/random';
import { iterJsonl, type JsonlLine, type JsonlReadOptions, reject } from '../jsonl';
import type { RunStore } from '../store/types';
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

/**
 * A dataset file: a path on this machine (tests, scripts, `dataset.replayFiles`), or a path in a run store (a
 * campaign's rounds, wherever the store keeps them).
 */
export type DatasetFile = string | { store: RunStore; path: string };

export interface WriteDatasetOptions {
  /** The JSONL file to write (a local file's directory is created). */
  out: DatasetFile;
  format: 'multi-turn' | 'flattened';
  /** Mix in earlier rounds' examples: `fraction` of the new examples' count, drawn (seeded) from these files. */
  replay?: { files: DatasetFile[]; fraction: number };
  seed: number;
  /** Fewer new examples than this throws DatasetTooSmallError (default 10). Replayed lines do not count. */
  minExamples?: number;
  /** The system prompt of flattened examples (default: the chain-of-thought prompt). */
  flattenedSystemPrompt?: string;
}

export interface DatasetRef {
  /** The local file's absolute path, or the path in the run store. */
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
export async function writeDatasetLines(file: DatasetFile, lines: readonly string[], newCount: number): Promise<DatasetRef> {
  const text = (async function* () {
    for (const l of lines) yield `${l}\n`;
  })();
  const counts = { count: lines.length, newCount, replayCount: lines.length - newCount };
  if (typeof file !== 'string') {
    const { uri, sha256, bytes } = await file.store.writeFileAtomic(file.path, text);
    return { path: file.path, uri, sha256, bytes, ...counts };
  }
  const out = path.resolve(file);
  const { sha256, bytes } = await writeFileAtomic(out, text);
  // A real file URL: `#`, `?`, `%` or spaces in the path would make `file://${out}` point elsewhere.
  return { path: out, uri: pathToFileURL(out).href, sha256, bytes, ...counts };
}

/** The rows of a dataset file, streamed, wherever it is. */
function datasetRows<T>(file: DatasetFile, options: JsonlReadOptions<T>): AsyncGenerator<T> {
  return typeof file === 'string' ? iterJsonl<T>(file, options) : file.store.iterJsonl<T>({ uri: file.store.uriFor(file.path) }, options);
}

/** Distinct example lines of earlier datasets, in file order, minus lines identical to a new example. */
async function replayPool(files: readonly DatasetFile[], exclude: Set<string>): Promise<string[]> {
  const seen = new Set<string>();
  const pool: string[] = [];
  const example = (v: unknown, line: JsonlLine) =>
    v && typeof v === 'object' && Array.isArray((v as { messages?: unknown }).messages) ? line.text.trim() : reject('replay line has no "messages" array');
  for (const f of files) {
    for await (const line of datasetRows(f, { decode: example })) {
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
