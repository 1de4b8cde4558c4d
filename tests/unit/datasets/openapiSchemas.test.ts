import { describeErrors, loadOpenAISchema } from '../../helpers/openapiSchemas';

describe('loadOpenAISchema', () => {
  const line = loadOpenAISchema('FineTuneChatRequestInput');

  it('accepts a chat fine-tuning line with weights on assistant turns', () => {
    const ok = {
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
        { role: 'assistant', content: 'a', weight: 0 },
        { role: 'user', content: 'u2' },
        { role: 'assistant', content: 'b' },
      ],
    };
    expect(line(ok)).toBe(true);
    if (!line(ok)) throw new Error(describeErrors(line));
  });

  it('rejects bad lines', () => {
    expect(line({})).toBe(false);
    expect(line({ messages: [] })).toBe(false);
    expect(line({ messages: [{ role: 'wizard', content: 'x' }] })).toBe(false);
    expect(line({ messages: [{ role: 'assistant', content: 'x', weight: 2 }] })).toBe(false);
    expect(line({ messages: [{ role: 'user' }] })).toBe(false);
  });

  it('compiles schemas of the spec itself, resolving refs', () => {
    const job = loadOpenAISchema('FineTuningJob');
    expect(job({ id: 'x' })).toBe(false);
    expect(() => loadOpenAISchema('NoSuchSchemaAnywhere')).toThrow(/no schema "NoSuchSchemaAnywhere"/);
  });
});
