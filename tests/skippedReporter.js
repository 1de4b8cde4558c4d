/**
 * Lists every skipped test at the end of a jest run, with the reason its name carries (tests/helpers/skip.ts),
 * so a run that skipped something says what and why instead of only counting it.
 */
class SkippedReporter {
  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') {
          skipped.push(`  ${require('node:path').relative(process.cwd(), file.testFilePath)}: ${[...t.ancestorTitles, t.title].join(' > ')}`);
        }
      }
    }
    const out = skipped.length ? [`Skipped tests (${skipped.length}), each with its reason:`, ...skipped] : ['Skipped tests: none'];
    process.stderr.write(`\n${out.join('\n')}\n`);
  }
}
module.exports = SkippedReporter;
