import { z } from 'zod';
import { arithmeticOptionsSchema } from './generators/arithmeticOptions';
import { stepCheckersSchema } from '../stepChecks/schema';
import { promptsSchema } from '../traces/promptConfig';

/**
 * The curriculum file format: the single source of truth for every option and default.
 *
 * ```yaml
 * name: arithmetic
 * answerType: number          # number | latex
 * heldOutFraction: 0.2        # default for every level
 * seed: 0                     # mixes into generators and the held-out split
 * levels:
 *   - id: add-1
 *     skill: arithmetic
 *     difficulty: 1
 *     source: { generator: arithmetic, operators: ['+'], digits: 1, count: 60 }
 *   - id: gsm8k-3
 *     skill: word-problems
 *     difficulty: 3
 *     source: { path: '${STRAWBERRY_DATA}/gsm8k/train.jsonl', format: gsm8k, filter: { steps: { min: 3, max: 3 } } }
 * ```
 * A source with a `generator` key is a generator; any other source is a JSONL file.
 */

const fraction = z.number().min(0, 'expected a fraction between 0 and 1').max(1, 'expected a fraction between 0 and 1');

/** Every generator: its name as the discriminator plus its own options. Add new generators here. */
const generatorSourceSchema = z.discriminatedUnion('generator', [arithmeticOptionsSchema.extend({ kind: z.literal('generator') })], {
  error: (iss) =>
    iss.code === 'invalid_union'
      ? `unknown generator ${JSON.stringify((iss.input as { generator?: unknown } | undefined)?.generator)}; known generators: arithmetic`
      : undefined,
});
export const KNOWN_GENERATORS = ['arithmetic'] as const;

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const range = z
  .object({ min: z.number().optional(), max: z.number().optional() })
  .strict()
  .refine((r) => r.min !== undefined || r.max !== undefined, 'expected at least one of min, max');

/**
 * `filter` keeps rows whose fields match: a scalar is equality, a list is membership, `{min, max}` an
 * inclusive numeric range. Fields are the row's own fields plus the derived `steps`.
 */
export const filterSchema = z.record(z.string(), z.union([scalar, z.array(scalar).min(1), range]));

/** Field mapping for `format: custom`: which row fields hold the question, answer and optional id, steps, skill. */
const fieldMappingSchema = z
  .object({
    question: z.string().min(1),
    answer: z.string().min(1),
    id: z.string().min(1).optional(),
    steps: z.string().min(1).optional(),
    skill: z.string().min(1).optional(),
  })
  .strict();

const jsonlSourceSchema = z
  .object({
    kind: z.literal('jsonl'),
    /** Absolute, relative to the curriculum file, or with `${ENV_VAR}` (or `${ENV_VAR:-default}`) parts. */
    path: z.string({ error: 'expected a path to a .jsonl file (or a `generator: <name>` source)' }).min(1),
    format: z.enum(['gsm8k', 'math', 'custom']),
    fields: fieldMappingSchema.optional(),
    filter: filterSchema.optional(),
    /** Keep at most this many rows (after the filter, in file order). */
    limit: z.number().int().positive().optional(),
    /** `skip` drops bad rows and reports how many as a warning; `error` stops at the first. */
    onInvalidRow: z.enum(['error', 'skip']).default('error'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.format === 'custom' && !s.fields)
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'format custom needs `fields: {question, answer}` naming the row fields' });
  });

function withKind(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) return { ...v, kind: 'generator' in v ? 'generator' : 'jsonl' };
  return v;
}

export const sourceSchema = z.preprocess(
  withKind,
  z.discriminatedUnion('kind', [generatorSourceSchema, jsonlSourceSchema], {
    error: (iss) => (iss.code === 'invalid_union' || iss.code === 'invalid_type' ? 'expected a source object: `generator: <name>` or `path: <file.jsonl>`' : undefined),
  }),
);

export const levelSchema = z
  .object({
    id: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"'),
    /** The skill the level trains; file sources may give each problem its own (MATH: the subject). */
    skill: z.string().min(1),
    difficulty: z.number(),
    heldOutFraction: fraction.optional(),
    source: sourceSchema,
    /** This level's step checkers (lib/stepChecks/schema.ts), in place of the curriculum's. */
    stepCheckers: stepCheckersSchema.optional(),
  })
  .strict();

export const curriculumSchema = z
  .object({
    name: z.string().min(1),
    answerType: z.enum(['number', 'latex']),
    heldOutFraction: fraction.default(0.2),
    seed: z.number().int().default(0),
    /**
     * A standard test split (GSM8K test, MATH-500): every problem is for evaluation only; a campaign refuses
     * it as a training source (`strawberry validate` / `start`), `strawberry eval` reads it.
     */
    evalOnly: z.boolean().default(false),
    levels: z.array(levelSchema).min(1, 'expected at least one level'),
    /** Step checkers of every level without its own list (or of the levels of their `skills`). */
    stepCheckers: stepCheckersSchema.default([]),
    /** The prompt set of this curriculum's traces (lib/traces/promptConfig.ts): domain, system prompt, schedules. */
    prompts: promptsSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    c.levels.forEach((l, i) =>
      l.stepCheckers?.forEach((s, j) => {
        if (s.skills) ctx.addIssue({ code: 'custom', path: ['levels', i, 'stepCheckers', j, 'skills'], message: 'skills belongs on the curriculum\'s stepCheckers list; a level\'s own list applies to that level' });
      }),
    );
    const seen = new Set<string>();
    c.levels.forEach((l, i) => {
      if (seen.has(l.id)) ctx.addIssue({ code: 'custom', path: ['levels', i, 'id'], message: `duplicate level id "${l.id}"` });
      seen.add(l.id);
    });
  });

export type CurriculumSpec = z.infer<typeof curriculumSchema>;
export type LevelSpec = z.infer<typeof levelSchema>;
export type SourceSpec = z.infer<typeof sourceSchema>;
export type JsonlSourceSpec = Extract<SourceSpec, { kind: 'jsonl' }>;
export type GeneratorSourceSpec = Extract<SourceSpec, { kind: 'generator' }>;
export type FilterSpec = z.infer<typeof filterSchema>;
