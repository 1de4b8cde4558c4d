import { ContaminationIndex } from '../../../lib/datasets/contamination';

const janet =
  "Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?";
const robe = 'A robe takes 2 bolts of blue fiber and half that much white fiber.  How many bolts in total does it take?';
const index = new ContaminationIndex([
  { set: 'gsm8k-test', id: 'gsm8k-test-0', question: janet },
  { set: 'gsm8k-test', id: 'gsm8k-test-1', question: robe },
]);

describe('contamination check against eval-only sets', () => {
  it('finds a test problem copied with other case, punctuation and spacing', () => {
    expect(index.match(robe.toUpperCase().replace(/\./g, '!').replace(/ +/g, '   '))).toEqual({ set: 'gsm8k-test', id: 'gsm8k-test-1', overlap: 1 });
  });

  it('finds a near-duplicate: a test problem with a sentence added, or its numbers changed in one place', () => {
    const padded = `${janet} Assume no eggs break.`;
    expect(index.match(padded)).toMatchObject({ id: 'gsm8k-test-0' });
    const renumbered = janet.replace('16 eggs', '18 eggs');
    const m = index.match(renumbered)!;
    expect(m.id).toBe('gsm8k-test-0');
    expect(m.overlap).toBeGreaterThan(0.5);
    expect(m.overlap).toBeLessThan(1);
  });

  it('leaves different problems alone, also ones on the same topic', () => {
    expect(index.match('Tom has 16 ducks. Each lays one egg per day. How many eggs does Tom collect in a week at the market?')).toBeUndefined();
    expect(index.match('A coat takes 3 bolts of red fiber and twice that much black fiber.  How many bolts in all are needed?')).toBeUndefined();
    expect(index.match('What is 2 + 3?')).toBeUndefined();
    expect(index.size).toBe(2);
  });
});
