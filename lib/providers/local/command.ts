import { UserError } from '../../errors';

/**
 * The training command of the `local` provider: an argv whose elements may hold placeholders, e.g.
 * `["{python}", "-m", "strawberry_local.train", "--train-file", "{trainingFile}", "--parent", "{parent}", ...]`.
 * Each element is one argument (no shell, no quoting): a placeholder's value never splits or injects.
 */
export const PLACEHOLDERS = [
  'parent',
  'baseModel',
  'trainingFile',
  'outputDir',
  'seed',
  'nEpochs',
  'learningRate',
  'learningRateMultiplier',
  'batchSize',
  'jobId',
  'python',
  // What the job trains: `sft` or `dpo` (the training file then holds preference lines), and DPO's beta
  // (empty for sft, so `--beta {beta}` drops out).
  'method',
  'beta',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Partial<Record<Placeholder, string | number | undefined>>;

const RE = /\{([A-Za-z]+)\}/g;

/** Placeholders a command uses that are not known: a config error, found before any job starts. */
export function unknownPlaceholders(argv: readonly string[]): string[] {
  const bad = new Set<string>();
  for (const arg of argv) for (const m of arg.matchAll(RE)) if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) bad.add(m[1]!);
  return [...bad];
}

/**
 * Fills the placeholders. A placeholder without a value becomes the empty string, except that an argument
 * `--flag` directly followed by an argument that rendered empty from a placeholder is dropped with it, so a
 * hyperparameter the campaign leaves unset falls back to the training script's own default.
 */
export function renderCommand(argv: readonly string[], values: PlaceholderValues): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    const missing = [...arg.matchAll(RE)].some((m) => values[m[1] as Placeholder] === undefined || values[m[1] as Placeholder] === '');
    const rendered = arg.replace(RE, (_, name: string) => {
      if (!(PLACEHOLDERS as readonly string[]).includes(name)) throw new UserError(`training command: unknown placeholder {${name}}; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
      const v = values[name as Placeholder];
      return v === undefined ? '' : String(v);
    });
    if (missing && rendered === '' && out.length && out[out.length - 1]!.startsWith('--')) {
      out.pop();
      continue;
    }
    out.push(rendered);
  }
  return out;
}
