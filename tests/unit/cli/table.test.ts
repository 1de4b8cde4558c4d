import { roundsTable } from '../../../cli/tables';
import { shorten, table } from '../../../lib/format/table';

describe('terminal tables', () => {
  it('fit 120 columns, shortening long model names in the middle', () => {
    const model = 'ft:gpt-4o-mini-2024-07-18:my-organisation-name:open-strawberry-demo-r3:AbCdEfGh12345';
    const text = roundsTable(
      [1, 2, 3].map((round) => ({
        round,
        frontier: round,
        candidates: 120,
        inBand: 40,
        tracesKept: 80,
        datasetExamples: 96,
        model,
        promoted: true,
        evaluation: { 0: { accuracy: 1, correct: 8, n: 8 }, 1: { accuracy: 0.9, correct: 7, n: 8 }, 2: { accuracy: 0.5, correct: 4, n: 8 } },
        outcome: 'promoted' as const,
        note: '',
      })),
    );
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
    expect(text).toMatch(/EfGh12345  /); // the end of the name, which tells models apart
    expect(text).toMatch(/…/);
  });

  it('leaves short tables alone', () => {
    expect(table(['a', 'b'], [['1', '2']])).toBe('a  b\n-  -\n1  2');
    expect(shorten('abcdef', 10)).toBe('abcdef');
    expect(shorten('abcdefghij', 5)).toHaveLength(5);
  });
});
