import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../lib/errors';
import type { Abilities } from './students';

/**
 * The sim's state: uploaded files, fine-tuning jobs and the models they trained. With a state directory it
 * persists as `state.json` (written to a temp file and renamed, never half-written) plus one file per upload
 * under `files/`, so a restarted sim serves the models it trained and finishes jobs that were in flight.
 * Stored chat completions (`store: true`) go to `completions.jsonl`, one line appended per completion: there
 * may be thousands, and rewriting state.json for each would cost the square of their number.
 */

export interface StoredFile {
  id: string;
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
}

export interface StoredModel extends Abilities {
  id: string;
  created: number;
  /** The base model at the root of its lineage (used in fine-tuned names). */
  root: string;
  parent: string;
  job: string;
}

export type JobHyperparameters = {
  batch_size: 'auto' | number;
  learning_rate_multiplier: 'auto' | number;
  n_epochs: 'auto' | number;
};

export interface JobError {
  code: string;
  message: string;
  param: string | null;
}

export interface StoredJob {
  id: string;
  createdAtMs: number;
  model: string;
  training_file: string;
  validation_file: string | null;
  suffix: string | null;
  seed: number;
  metadata: Record<string, string> | null;
  hyperparameters: JobHyperparameters;
  /** Absent: supervised. `dpo`: the training file holds preference lines (sim/preferenceFile.ts). */
  method?: { type: 'dpo'; beta: number };
  /** The trained model's name when the request chose it (Fireworks DPO jobs' trainingConfig.outputModel). */
  outputModel?: string;
  /** Phase durations, fixed at creation so a restart with another config does not rewrite history. */
  validatingMs: number;
  queuedMs: number;
  runningMs: number;
  /** Set when the files are bad: the job fails when validation ends. */
  validationError: JobError | null;
  /** Set when the job is doomed to fail while running (job failure rate): fraction of the running phase. */
  failure: { atFraction: number; error: JobError } | null;
  cancelledAtMs: number | null;
  /** Set once the job has succeeded and its model exists. */
  fineTunedModel: string | null;
  trainedTokens: number | null;
}

/** A chat completion created with `store: true`: the completion object as answered, with its metadata. */
export interface StoredChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: unknown[];
  usage: unknown;
  metadata: Record<string, string> | null;
  [field: string]: unknown;
}

interface StateFile {
  version: 1;
  files: StoredFile[];
  jobs: StoredJob[];
  models: StoredModel[];
}

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

export class SimState {
  readonly files = new Map<string, StoredFile>();
  readonly jobs = new Map<string, StoredJob>();
  readonly models = new Map<string, StoredModel>();
  /** In the order they were stored (a resent identical request, same id, keeps its first place). */
  readonly completions = new Map<string, StoredChatCompletion>();
  private readonly contents = new Map<string, Buffer>();

  constructor(private readonly dir?: string) {
    if (!dir) return;
    try {
      mkdirSync(path.join(dir, 'files'), { recursive: true });
    } catch (err) {
      throw new UserError(`cannot create the sim state directory ${dir}: ${(err as Error).message}`);
    }
    this.loadCompletions(dir);
    const file = path.join(dir, 'state.json');
    if (!existsSync(file)) return;
    let parsed: StateFile;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
    } catch (err) {
      throw new UserError(`${file}: not a readable sim state (${(err as Error).message}); move it away to start afresh`);
    }
    for (const f of parsed.files ?? []) this.files.set(f.id, f);
    for (const j of parsed.jobs ?? []) this.jobs.set(j.id, j);
    for (const m of parsed.models ?? []) this.models.set(m.id, m);
  }

  private loadCompletions(dir: string): void {
    const file = path.join(dir, 'completions.jsonl');
    if (!existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const c = JSON.parse(line) as StoredChatCompletion;
        this.completions.set(c.id, c);
      } catch {
        // A line torn by a kill mid-append: that completion was never confirmed stored.
      }
    }
  }

  addCompletion(c: StoredChatCompletion): void {
    if (this.dir) appendFileSync(path.join(this.dir, 'completions.jsonl'), `${JSON.stringify(c)}\n`);
    this.completions.set(c.id, c);
  }

  addFile(meta: StoredFile, content: Buffer): void {
    if (this.dir) writeAtomic(path.join(this.dir, 'files', meta.id), content);
    this.contents.set(meta.id, content);
    this.files.set(meta.id, meta);
    this.save();
  }

  fileContent(id: string): Buffer | undefined {
    const cached = this.contents.get(id);
    if (cached || !this.dir || !this.files.has(id)) return cached;
    try {
      const buf = readFileSync(path.join(this.dir, 'files', id));
      this.contents.set(id, buf);
      return buf;
    } catch {
      return undefined;
    }
  }

  /** Writes state.json (atomically) when there is a state directory. */
  save(): void {
    if (!this.dir) return;
    const doc: StateFile = { version: 1, files: [...this.files.values()], jobs: [...this.jobs.values()], models: [...this.models.values()] };
    writeAtomic(path.join(this.dir, 'state.json'), Buffer.from(JSON.stringify(doc, null, 1)));
  }
}

function writeAtomic(file: string, content: Buffer): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
