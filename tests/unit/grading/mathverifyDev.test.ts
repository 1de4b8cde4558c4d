import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatAgreementTable, isScoredCase, loadEquivalenceCases, runAgreement } from '../../../lib/grading/agreement';

const DEV = path.resolve(__dirname, '../../../../shared/data/answer-equivalence/mathverify-dev.jsonl');

describe('agreement with Math-Verify and MATH is_equiv (mathverify-dev)', () => {
  it('the data file is present (fails, never skips, when missing)', () => {
    expect(fs.existsSync(DEV)).toBe(true);
  });

  it('agrees on at least 98% of the scored cases, per category table printed', async () => {
    const cases = await loadEquivalenceCases(DEV);
    const scored = cases.filter(isScoredCase);
    expect(scored.length).toBeGreaterThan(80);
    const rep = runAgreement(cases);
    console.log(`mathverify-dev agreement\n${formatAgreementTable(rep)}`);
    expect(rep.total.n).toBe(scored.length);
    expect(rep.total.agree / rep.total.n).toBeGreaterThanOrEqual(0.98);
    // every category is mostly right, not only the total
    for (const [, row] of rep.byCategory) expect(row.agree / row.n).toBeGreaterThanOrEqual(0.85);
  });
});
