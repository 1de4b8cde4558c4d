import { jsonlTextLines, parseJsonLine } from '../lib/jsonl';

/**
 * Validates a fine-tuning training file the way OpenAI does before a job starts: JSONL, one chat example per
 * line with `messages`, at least `minExamples` examples, and `weight` (0 or 1) only on assistant messages.
 */

export interface TrainingMessage {
  role: string;
  content: string;
  weight?: number;
}

export interface TrainingExample {
  messages: TrainingMessage[];
}

export interface TrainingFileError {
  code: string;
  message: string;
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

export function validateTrainingFile(text: string, minExamples: number): { examples: TrainingExample[] } | { error: TrainingFileError } {
  const examples: TrainingExample[] = [];
  for (const line of jsonlTextLines(text)) {
    const at = `line ${line.line}`;
    const bad = (why: string) => ({ error: { code: 'invalid_training_file', message: `The job failed due to an invalid training file. ${at}: ${why}` } });
    const parsed = parseJsonLine(line.text);
    if (!('value' in parsed)) return bad('not valid JSON (the file must be JSONL: one JSON object per line)');
    const row = parsed.value;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return bad('expected a JSON object');
    const messages = (row as { messages?: unknown }).messages;
    if (!Array.isArray(messages) || messages.length === 0) return bad('missing `messages` (expected a non-empty array of chat messages)');
    const out: TrainingMessage[] = [];
    for (const [j, m] of messages.entries()) {
      if (typeof m !== 'object' || m === null) return bad(`messages[${j}] is not an object`);
      const { role, content, weight } = m as { role?: unknown; content?: unknown; weight?: unknown };
      if (typeof role !== 'string' || !ROLES.has(role)) return bad(`messages[${j}].role must be one of system, user, assistant, tool`);
      const text = contentText(content);
      if (text === undefined) return bad(`messages[${j}].content must be a string`);
      if (weight !== undefined) {
        if (role !== 'assistant') return bad(`messages[${j}]: only assistant messages may carry a weight`);
        if (weight !== 0 && weight !== 1) return bad(`messages[${j}].weight must be 0 or 1`);
      }
      out.push({ role, content: text, ...(weight !== undefined ? { weight: weight as number } : {}) });
    }
    if (!out.some((m) => m.role === 'assistant')) return bad('the example has no assistant message to learn from');
    examples.push({ messages: out });
  }
  if (examples.length < minExamples)
    return {
      error: {
        code: 'invalid_n_examples',
        message: `Training file has ${examples.length} example(s), but must have at least ${minExamples} examples.`,
      },
    };
  return { examples };
}

/** A message's text: a string, or the text parts of a content array. */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts: string[] = [];
    for (const p of content) {
      if (typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string') parts.push((p as { text: string }).text);
      else return undefined;
    }
    return parts.join('');
  }
  return undefined;
}
