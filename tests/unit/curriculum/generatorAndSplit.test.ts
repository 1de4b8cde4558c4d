import { generateArithmetic, hasCarry } from '../../../lib/curriculum/generators/arithmetic';
import { arithmeticOptionsSchema } from '../../../lib/curriculum/generators/arithmeticOptions';
import { heldOutIds } from '../../../lib/curriculum/heldOut';

const opts = (o: object) => arithmeticOptionsSchema.parse({ generator: 'arithmetic', ...o });

describe('arithmetic generator', () => {
  it('is deterministic: same options and seed, same problems in the same order', () => {
    const o = opts({ operators: ['+', '-', '*', '/'], digits: 2, terms: 3, count: 50 });
    expect(generateArithmetic(o, 7)).toEqual(generateArithmetic(o, 7));
    expect(generateArithmetic(o, 7)).not.toEqual(generateArithmetic(o, 8));
  });

  it('gives distinct questions, steps = operations, exact non-negative integer results', () => {
    const ps = generateArithmetic(opts({ operators: ['+', '-', '*', '/'], digits: 2, terms: 4, count: 200 }), 1);
    expect(new Set(ps.map((p) => p.question)).size).toBe(200);
    for (const p of ps) {
      expect(p.steps).toBe(3);
      expect(p.answer).toMatch(/^\d+$/);
      const expr = /^What is (.+)\?$/.exec(p.question)![1]!;
      expect(String(Function(`return (${expr});`)())).toBe(p.answer);
    }
    expect(ps.some((p) => p.question.includes('/'))).toBe(true);
  });

  it('respects carries: force and avoid', () => {
    const forced = generateArithmetic(opts({ operators: ['+'], digits: 2, carries: 'force', count: 50 }), 0);
    const avoided = generateArithmetic(opts({ operators: ['+'], digits: 2, carries: 'avoid', count: 50 }), 0);
    const operands = (q: string) => q.match(/\d+/g)!.map(Number) as [number, number];
    expect(forced.every((p) => hasCarry(...operands(p.question), '+'))).toBe(true);
    expect(avoided.every((p) => !hasCarry(...operands(p.question), '+'))).toBe(true);
    expect(hasCarry(15, 7, '+')).toBe(true);
    expect(hasCarry(12, 7, '+')).toBe(false);
    expect(hasCarry(32, 7, '-')).toBe(true);
    expect(hasCarry(38, 7, '-')).toBe(false);
  });

  it('rejects bad options', () => {
    expect(arithmeticOptionsSchema.safeParse({ generator: 'arithmetic', operators: ['^'] }).success).toBe(false);
    expect(arithmeticOptionsSchema.safeParse({ generator: 'arithmetic', terms: 1 }).success).toBe(false);
  });
});

describe('held-out split', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => `p${i}`);

  it('is deterministic, exact in size and independent of order', () => {
    const a = heldOutIds(ids, 0.2, 0);
    expect(a.size).toBe(200);
    expect(heldOutIds([...ids].reverse(), 0.2, 0)).toEqual(a);
    expect(heldOutIds(ids, 0.2, 1)).not.toEqual(a);
    expect(heldOutIds(ids, 0, 0).size).toBe(0);
    expect(heldOutIds(ids, 1, 0).size).toBe(1000);
  });

  it('mostly keeps a problem on its side when the level grows', () => {
    const before = heldOutIds(ids, 0.2, 0);
    const after = heldOutIds([...ids, ...Array.from({ length: 50 }, (_, i) => `new${i}`)], 0.2, 0);
    const stayed = [...before].filter((id) => after.has(id)).length;
    expect(stayed / before.size).toBeGreaterThan(0.9);
  });
});
