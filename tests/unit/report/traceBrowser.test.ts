import { browsedRound, traceBrowserSection } from '../../../lib/report/traceBrowser';
import type { RoundTraces, TraceRow } from '../../../lib/report/traces';
import { finalCheckOf } from '../../../lib/report/traces';
import { fixtureTrace } from './traceFixture';

/** The trace browser embeds at most `cap` traces per side and round, spreads the dropped ones over their reasons, and escapes every turn. */
function row(sample: number, verdict: TraceRow['verdict'], content?: string): TraceRow {
  const trace = fixtureTrace('p1', sample);
  if (content) trace.messages[2]!.content = content;
  return { round: 1, problemId: 'p1', levelIndex: 1, sampleIndex: sample, model: 'student', verdict, flags: [], finalCheck: finalCheckOf(trace), trace };
}
const kept = (i: number) => row(i, { kept: true, why: 'correct, every verifier flag resolved' });
const dropped = (i: number, code: 'incorrect' | 'flagged') => row(i, { kept: false, code, why: code === 'incorrect' ? 'incorrect: no final answer' : 'verifier flagged step 1 and it was never redone' });

describe('the trace browser', () => {
  it('caps each side, saying how many more there are, and takes dropped traces round-robin over reasons', () => {
    const rows = [...Array.from({ length: 5 }, (_, i) => kept(i)), ...Array.from({ length: 6 }, (_, i) => dropped(10 + i, 'incorrect')), dropped(20, 'flagged')];
    const r: RoundTraces = { round: 1, method: 'sft', rows };
    const b = browsedRound(r, 3);
    expect([b.keptTotal, b.droppedTotal, b.kept.length]).toEqual([5, 7, 3]);
    expect(b.dropped.map((t) => t.verdict.code)).toEqual(['incorrect', 'flagged', 'incorrect']);
    const html = traceBrowserSection([b]);
    expect(html).toContain('Kept: 5 (showing 3; 2 more in the run store');
    expect(html).toContain('Dropped: 7 (showing 3; 4 more in the run store');
    expect(html.match(/<details class="trace /g)).toHaveLength(6);
  });

  it('shows every turn, the grade, the final check and the reason, escaped', () => {
    const html = traceBrowserSection([browsedRound({ round: 2, method: 'sft', rows: [row(0, { kept: false, code: 'incorrect', why: 'incorrect: answered "<b>8</b>"' }, 'Step 1: </script><img src=x>')] })]);
    expect(html).toContain('id="traces-round-2"');
    expect(html).toContain('dropped: incorrect: answered &quot;&lt;b&gt;8&lt;/b&gt;&quot;');
    expect(html).toContain('Step 1: &lt;/script&gt;&lt;img src=x&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('asked 2 times; answered 7; stopped: final-answer');
    expect(html).toMatch(/correct \(match, extracted 7, grader v1\)/);
    expect(html.match(/<li class="turn /g)).toHaveLength(8);
  });

  it('says when there are no traces', () => {
    expect(traceBrowserSection([])).toContain('No graded traces');
  });
});
