import type { FinalEvaluation } from '../../../lib/eval/finalEvaluation';
import { finalEvaluationHtml, finalEvaluationText, shownEvaluation } from '../../../lib/report/finalEvaluation';

const row = (model: string, level: string | undefined, pass1: number) => ({
  model,
  set: 'arithmetic',
  ...(level ? { level } : {}),
  n: 8,
  k: 4,
  procedure: 'single-turn',
  pass1,
  pass1Interval: [pass1 - 0.1, pass1 + 0.1] as [number, number],
  passAtK: { '1': pass1, '4': Math.min(1, pass1 + 0.2) },
  majAtK: { '1': pass1, '4': pass1 },
  tokens: 100,
  costUsd: null,
});

const evaluation = (stage: 'base' | 'final'): FinalEvaluation => ({
  campaign: 'c',
  stage,
  k: 4,
  set: 'arithmetic',
  procedure: 'single-turn',
  levels: [{ index: 0, id: 'L0', problems: 8 }],
  models: [
    { name: 'base', role: 'base', model: 'student', drawn: 32 },
    { name: '<ref>', role: 'reference', model: 'big', drawn: 32 },
  ],
  results: [row('base', undefined, 0.5), row('base', 'L0', 0.5), row('<ref>', undefined, 0.75), row('<ref>', 'L0', 0.75)],
  drawn: 64,
});

describe('the final evaluation in reports', () => {
  it('prints per model and level pass@1 with its interval, pass@k and maj@k', () => {
    const text = finalEvaluationText(evaluation('final'));
    expect(text).toMatch(/^Final evaluation: arithmetic, every level, 4 sample\(s\) per problem/);
    expect(text).toMatch(/model\s+level\s+n\s+pass@1\s+95% CI\s+pass@4\s+maj@4/);
    expect(text).toMatch(/^base\s+all\s+8\s+50\.0\s+40\.0-60\.0\s+70\.0\s+50\.0$/m);
    expect(text).toMatch(/^<ref>\s+L0\s+8\s+75\.0\s+65\.0-85\.0\s+95\.0\s+75\.0$/m);
  });

  it('shows the end\'s evaluation when there is one, else round 0\'s, saying which', () => {
    expect(shownEvaluation({ base: evaluation('base'), final: evaluation('final') })?.stage).toBe('final');
    expect(shownEvaluation({ base: evaluation('base') })?.stage).toBe('base');
    expect(shownEvaluation(undefined)).toBeUndefined();
    expect(finalEvaluationText(evaluation('base'))).toMatch(/^Round 0 evaluation \(the final one runs when the campaign ends\)/);
  });

  it('renders an HTML table with names escaped, nothing when absent', () => {
    const html = finalEvaluationHtml(evaluation('final'));
    expect(html).toContain('<table id="final-evaluation">');
    expect(html).toContain('<tr class="all-levels"><td>&lt;ref&gt;</td><td>all</td><td>8</td><td>75.0</td><td>65.0-85.0</td><td>95.0</td><td>75.0</td></tr>');
    expect(html).not.toContain('<ref>');
    expect(finalEvaluationHtml(undefined)).toBe('');
  });
});
