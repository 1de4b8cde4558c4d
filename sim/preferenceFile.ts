import { jsonlTextLines, parseJsonLine } from '../lib/jsonl';
import { preferenceLineProblems } from '../lib/datasets/preferenceFormat';
import type { TrainingExample, TrainingFileError } from './trainingFile';

/**
 * Validates a preference (DPO) training file the way the providers do before a job starts: JSONL, one line
 * `{input: {messages}, preferred_output, non_preferred_output}` each, refused by the rules they document
 * (lib/datasets/preferenceFormat.ts `preferenceLineProblems`), with the line named. What the sim learns from
 * is each line's preferred output as an example of its prompt (sim/training.ts, sim/README.md "Learning from
 * preference pairs").
 */
export function validatePreferenceFile(text: string, minExamples: number): { examples: TrainingExample[] } | { error: TrainingFileError } {
  const examples: TrainingExample[] = [];
  for (const line of jsonlTextLines(text)) {
    const bad = (why: string) => ({ error: { code: 'invalid_training_file', message: `The job failed due to an invalid training file. line ${line.line}: ${why}` } });
    const parsed = parseJsonLine(line.text);
    if (!('value' in parsed)) return bad('not valid JSON (the file must be JSONL: one JSON object per line)');
    const problems = preferenceLineProblems(parsed.value);
    if (problems.length) return bad(problems.join('; '));
    const row = parsed.value as { input: { messages: { role: string; content: string }[] }; preferred_output: [{ content: string }] };
    examples.push({ messages: [...row.input.messages.map((m) => ({ role: m.role, content: m.content })), { role: 'assistant', content: row.preferred_output[0].content }] });
  }
  if (examples.length < minExamples)
    return { error: { code: 'invalid_n_examples', message: `Training file has ${examples.length} example(s), but must have at least ${minExamples} examples.` } };
  return { examples };
}
