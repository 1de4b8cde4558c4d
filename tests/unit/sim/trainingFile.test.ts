import { validateTrainingFile } from '../../../sim/trainingFile';

const line = (extra: object = {}) =>
  JSON.stringify({ messages: [{ role: 'user', content: 'Problem:\nWhat is 1 + 1?' }, { role: 'assistant', content: '\\boxed{2}', ...extra }] });
const lines = (n: number, l = line()) => Array.from({ length: n }, () => l).join('\n');

describe('validateTrainingFile', () => {
  it('accepts 10 chat examples, with or without assistant weights', () => {
    const r = validateTrainingFile(`${lines(9)}\n${line({ weight: 0 })}\n`, 10);
    expect('examples' in r && r.examples.length).toBe(10);
  });

  it('needs at least the minimum number of examples', () => {
    const r = validateTrainingFile(lines(9), 10);
    expect('error' in r && r.error.code).toBe('invalid_n_examples');
  });

  it.each([
    ['not JSON', `${lines(10)}\n{oops`, /line 11: not valid JSON/],
    ['no messages', `${lines(10)}\n{"prompt":"x"}`, /line 11: missing `messages`/],
    ['weight on a user message', `${JSON.stringify({ messages: [{ role: 'user', content: 'x', weight: 1 }, { role: 'assistant', content: 'y' }] })}\n${lines(10)}`, /line 1: .*only assistant/],
    ['weight other than 0 or 1', `${lines(10)}\n${line({ weight: 0.5 })}`, /weight must be 0 or 1/],
    ['bad role', `${JSON.stringify({ messages: [{ role: 'robot', content: 'x' }] })}\n${lines(10)}`, /role must be/],
  ])('rejects %s and names the line', (_name, text, message) => {
    const r = validateTrainingFile(text, 10);
    expect('error' in r).toBe(true);
    if ('error' in r) {
      expect(r.error.code).toBe('invalid_training_file');
      expect(r.error.message).toMatch(message);
    }
  });
});
