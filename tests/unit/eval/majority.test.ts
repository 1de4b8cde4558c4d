import { majAtK, majorityVote, type Vote } from '../../../lib/eval/majority';

const v = (answer: string | undefined, correct = false): Vote => ({ answer, correct });

describe('maj@k', () => {
  it('groups equivalent answers written differently into one vote', () => {
    // Three ways of writing one half beat two votes for 1/3 (string equality would pick 1/3).
    const votes = [v('1/3'), v('0.5', true), v('1/3'), v('\\frac{1}{2}', true), v('1/2', true)];
    const r = majorityVote(votes, 'latex');
    expect(r.votes).toBe(3);
    expect(r.answer).toBe('0.5');
    expect(r.correct).toBe(true);
  });

  it('number answers: 1,000 and 1000 and 1000.0 are one answer', () => {
    const r = majorityVote([v('7'), v('1,000', true), v('7'), v('1000', true), v('1000.0', true)], 'number');
    expect(r).toEqual({ answer: '1,000', votes: 3, correct: true });
  });

  it('breaks ties by the group whose first vote came first, and ignores samples without an answer', () => {
    expect(majorityVote([v('2', true), v('3'), v('3'), v('2', true)], 'number').answer).toBe('2');
    expect(majorityVote([v('3'), v('2', true), v('2', true), v('3')], 'number').answer).toBe('3');
    expect(majorityVote([v(undefined), v(undefined), v('4', true)], 'number')).toEqual({ answer: '4', votes: 1, correct: true });
    expect(majorityVote([v(undefined), v('')], 'number')).toEqual({ answer: undefined, votes: 0, correct: false });
  });

  it('maj@k uses the first k samples of each problem', () => {
    const p1 = [v('5', true), v('6'), v('6'), v('6')];
    const p2 = [v('9', true), v('9', true), v('8'), v('8')];
    expect(majAtK([p1, p2], 1, 'number')).toBe(1);
    expect(majAtK([p1, p2], 4, 'number')).toBe(0.5);
  });
});
