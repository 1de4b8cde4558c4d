/**
 * Differential test against Math-Verify itself (PyPI math-verify, pinned in python/requirements.txt and
 * installed into .strawberry/venv): generated equivalent and non-equivalent forms of every rule category
 * (differentialPairs.ts) are graded by both, in one Python process; the agreement is printed with every
 * disagreement. A test of consistency, not a copy of its rules: the floor is set from our measurement
 * (96.9%, 221 of 228 pairs, with math-verify 0.9.0), below which a change of ours has drifted from the
 * reference. The disagreements left are deliberate: identical text is equal even where Math-Verify reads
 * `12,75` as a decimal on one side and a list inside `$…$` on the other; `78\,000` is 78000; a union of
 * intervals equals `x < a \text{ or } x > b` (Math-Verify does not read the "or"); and `-9 = 4m + d` is
 * not its right side (Math-Verify differs only when the left side is negative).
 * tests/globalSetup.ts installs the venv; where it cannot (no python3 or package index, outside CI) the test is
 * skipped with that reason, and the run's end lists it. With a venv that lacks math_verify it fails.
 */
import { answersEquivalent } from '../../../lib/grading';
import { optionsFromParams } from '../../../lib/grading/agreement';
import { generatePairs } from './differentialPairs';
import { describeUnless } from '../../helpers/skip';
import { testPythonMissing } from '../../helpers/testPython';
import { mathVerifyAvailable, runMathVerify } from './mathVerify';

const FLOOR = 0.95;

describeUnless(testPythonMissing())('differential test against Math-Verify', () => {
  it('Math-Verify is installed in .strawberry/venv', () => {
    const missing = mathVerifyAvailable();
    if (missing) throw new Error(missing);
  });

  it(`agrees on at least ${FLOOR * 100}% of the generated pairs (agreement and disagreements printed)`, () => {
    const pairs = generatePairs(2);
    const mv = runMathVerify(pairs);
    const byCat = new Map<string, { n: number; agree: number }>();
    const dis: string[] = [];
    for (const p of pairs) {
      const ours = answersEquivalent(p.gold, p.pred, optionsFromParams(p.params ?? {}));
      const theirs = mv.get(p.id)!;
      const row = byCat.get(p.category) ?? { n: 0, agree: 0 };
      row.n++;
      if (ours.equivalent === theirs.equivalent) row.agree++;
      else {
        dis.push(
          `  ${p.id}: Math-Verify ${theirs.equivalent}, ours ${ours.equivalent} (${ours.reason}): ${JSON.stringify(p.gold)} vs ${JSON.stringify(p.pred)}` +
            (p.params ? ` ${JSON.stringify(p.params)}` : '') +
            (theirs.error ? ` [Math-Verify error: ${theirs.error}]` : ''),
        );
      }
      byCat.set(p.category, row);
    }
    const agree = [...byCat.values()].reduce((s, r) => s + r.agree, 0);
    const rate = agree / pairs.length;
    const table = [...byCat.entries()].map(([k, r]) => `  ${k.padEnd(24)} ${String(r.agree).padStart(4)}/${String(r.n).padEnd(4)}`).join('\n');
    console.log(
      `Math-Verify differential agreement: ${agree}/${pairs.length} = ${(100 * rate).toFixed(1)}% (floor ${FLOOR * 100}%)\n${table}\n` +
        (dis.length ? `disagreements:\n${dis.join('\n')}` : 'no disagreements'),
    );
    expect(pairs.length).toBeGreaterThan(150);
    expect(rate).toBeGreaterThanOrEqual(FLOOR);
  }, 600_000);
});
