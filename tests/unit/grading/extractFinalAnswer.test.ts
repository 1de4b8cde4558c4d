import { extractFinalAnswer } from '../../../lib/grading';
import { formatFinalAnswer } from '../../../lib/traces/prompts';

describe('extractFinalAnswer', () => {
  it('takes the last \\boxed{} with nested braces matched', () => {
    expect(extractFinalAnswer('first \\boxed{1} then \\boxed{\\frac{a}{b^{2}}} done')).toBe('\\frac{a}{b^{2}}');
  });
  it('reads \\fbox{} and the project format', () => {
    expect(extractFinalAnswer('so \\fbox{12}.')).toBe('12');
    expect(extractFinalAnswer(`Step 3: done\n${formatFinalAnswer('3/4')}`)).toBe('3/4');
  });
  it('falls back to <answer>, then Final answer:, then #### N', () => {
    expect(extractFinalAnswer('blah <answer> 42 </answer>')).toBe('42');
    expect(extractFinalAnswer('work\nFinal answer: 7 apples\nthanks')).toBe('7 apples');
    expect(extractFinalAnswer('Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72')).toBe('72');
  });
  it('prefers a box over the other formats and skips an unclosed box', () => {
    expect(extractFinalAnswer('Final answer: 3\n\\boxed{4}')).toBe('4');
    expect(extractFinalAnswer('\\boxed{5} and \\boxed{6')).toBe('5');
  });
  it('returns undefined when there is no final answer', () => {
    expect(extractFinalAnswer('I think it is 5')).toBeUndefined();
    expect(extractFinalAnswer('\\boxed{}')).toBeUndefined();
  });
});
