import { seededRandom } from '../curriculum/random';
import type { PreferencePair } from './pairs';
import { DatasetTooSmallError, shuffle, writeDatasetLines, type DatasetFile, type DatasetRef } from './write';

/**
 * One line of a preference (DPO) fine-tuning file, in the one format OpenAI, Together and Fireworks all
 * document: the prompt in `input.messages`, and exactly one assistant message in each output.
 * - OpenAI: https://platform.openai.com/docs/guides/direct-preference-optimization (data format)
 * - Together: https://docs.together.ai/docs/preference-fine-tuning ("Both outputs must contain exactly one
 *   message from the assistant role")
 * - Fireworks: https://docs.fireworks.ai/fine-tuning/dpo-fine-tuning (dataset schema)
 * The local JAX backend reads the same lines (python/strawberry_local/dpo.py).
 */
export interface PreferenceLine {
  input: { messages: { role: 'system' | 'user' | 'assistant'; content: string }[] };
  preferred_output: [{ role: 'assistant'; content: string }];
  non_preferred_output: [{ role: 'assistant'; content: string }];
}

export function preferenceLine(pair: PreferencePair): PreferenceLine {
  return {
    input: { messages: pair.prompt.map((m) => ({ role: m.role, content: m.content })) },
    preferred_output: [{ role: 'assistant', content: pair.preferred }],
    non_preferred_output: [{ role: 'assistant', content: pair.nonPreferred }],
  };
}

/**
 * What a provider refuses in a preference line, as a list of `field: expected ...` messages (empty: fine).
 * The rules every provider documents: a non-empty `input.messages` of system/user/assistant messages with
 * string content, ending with a user message (the outputs answer it); each output exactly one non-empty
 * assistant message; the two outputs different.
 */
export function preferenceLineProblems(line: unknown): string[] {
  const problems: string[] = [];
  const o = line as Partial<Record<string, unknown>> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o)) return ['expected a JSON object'];
  const messages = (o.input as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages) || messages.length === 0) problems.push('input.messages: expected a non-empty array');
  else {
    messages.forEach((m: { role?: unknown; content?: unknown }, i) => {
      if (!m || !['system', 'user', 'assistant'].includes(String(m.role))) problems.push(`input.messages[${i}].role: expected system, user or assistant`);
      if (typeof m?.content !== 'string') problems.push(`input.messages[${i}].content: expected a string`);
    });
    if ((messages[messages.length - 1] as { role?: unknown })?.role !== 'user') problems.push('input.messages: expected the last message to be the user\'s');
  }
  const texts: string[] = [];
  for (const field of ['preferred_output', 'non_preferred_output'] as const) {
    const v = o[field];
    if (!Array.isArray(v) || v.length !== 1) {
      problems.push(`${field}: expected exactly one assistant message`);
      continue;
    }
    const m = v[0] as { role?: unknown; content?: unknown };
    if (m?.role !== 'assistant') problems.push(`${field}[0].role: expected assistant`);
    if (typeof m?.content !== 'string' || m.content.length === 0) problems.push(`${field}[0].content: expected a non-empty string`);
    else texts.push(m.content);
  }
  if (texts.length === 2 && texts[0] === texts[1]) problems.push('non_preferred_output: expected a different output from preferred_output');
  return problems;
}

export interface WritePreferencesOptions {
  out: DatasetFile;
  seed: number;
  /** Fewer pairs than this throws DatasetTooSmallError (default 10). */
  minPairs?: number;
}

/** Writes the pairs as a preference JSONL file, in a seeded shuffle, atomically (no reader sees half a file). */
export async function writePreferenceDataset(pairs: readonly PreferencePair[], options: WritePreferencesOptions): Promise<DatasetRef> {
  const minPairs = options.minPairs ?? 10;
  if (pairs.length < minPairs) throw new DatasetTooSmallError(pairs.length, minPairs);
  const lines = shuffle(
    pairs.map((p) => JSON.stringify(preferenceLine(p))),
    seededRandom(`preferences:${options.seed}`),
  );
  return writeDatasetLines(options.out, lines, lines.length);
}
