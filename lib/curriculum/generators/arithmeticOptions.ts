import { z } from 'zod';

/** Options of the `arithmetic` generator (the `source:` block of a level). */
export const arithmeticOptionsSchema = z
  .object({
    generator: z.literal('arithmetic'),
    /** Which operators may appear; `/` only ever produces integer results. */
    operators: z
      .array(z.enum(['+', '-', '*', '/']))
      .min(1, 'expected at least one of "+", "-", "*", "/"')
      .default(['+']),
    /** Digits per operand: 1 means 1..9, 2 means 10..99, and so on. */
    digits: z.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').max(6).default(1),
    /** Operands per problem; a problem has terms - 1 operations (its `steps`). */
    terms: z.number().int().min(2, 'expected an integer of at least 2').max(8).default(2),
    /** For + and -: `force` needs at least one carry or borrow, `avoid` forbids them; * and / are not affected. */
    carries: z.enum(['force', 'avoid', 'any']).default('any'),
    count: z.number({ error: 'expected a positive integer' }).int('expected a positive integer').positive('expected a positive integer').max(100000).default(100),
    /** Defaults to the curriculum's seed. */
    seed: z.number().int().optional(),
  })
  .strict();

export type ArithmeticOptions = z.infer<typeof arithmeticOptionsSchema>;
