import { z } from 'zod';

/**
 * The step checkers a curriculum declares (curriculum YAML `stepCheckers:`, for every level or the levels of
 * some skills, and per level). One schema: docs and defaults come from it.
 *
 * ```yaml
 * stepCheckers:
 *   - kind: arithmetic                 # every `a op b = c` in a step recomputed exactly
 *   - kind: command                    # your own script: the trace as JSON on stdin, a verdict per step out
 *     name: units
 *     command: ['python3', 'check_units.py']
 *     timeoutSeconds: 10
 *     skills: [word-problems]          # only the levels of these skills (default: every level)
 * levels:
 *   - id: inversions-1
 *     stepCheckers: [{ kind: sortsteps }]   # a level's own list replaces the curriculum's
 * ```
 */
const common = {
  /** What drop counts call it (default: the kind). */
  name: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"').optional(),
  /** On the curriculum's list only: the skills whose levels it checks (default: every level). */
  skills: z.array(z.string().min(1)).min(1).optional(),
};

export const stepCheckerSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('arithmetic'), ...common }).strict(),
    z.object({ kind: z.literal('sortsteps'), ...common }).strict(),
    z.object({ kind: z.literal('modchain'), ...common }).strict(),
    z
      .object({
        kind: z.literal('command'),
        ...common,
        /** argv: the program and its arguments (no shell), run from the curriculum file's directory. */
        command: z.array(z.string().min(1)).min(1, 'expected the program and its arguments, e.g. [python3, check.py]'),
        timeoutSeconds: z.number().positive().max(600).default(10).describe('per trace; a script that runs longer is an error'),
      })
      .strict(),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union' ? `unknown step checker kind ${JSON.stringify((iss.input as { kind?: unknown } | undefined)?.kind)}; known kinds: arithmetic, sortsteps, modchain, command` : undefined,
  },
);

export const stepCheckersSchema = z.array(stepCheckerSchema);

export type StepCheckerSpec = z.infer<typeof stepCheckerSchema>;

export function checkerName(spec: StepCheckerSpec): string {
  return spec.name ?? spec.kind;
}
