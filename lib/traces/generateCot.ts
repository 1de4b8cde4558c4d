import { lastBoxed } from '../curriculum/boxed';
import type { Problem } from '../curriculum/types';
import type { ChatProvider } from '../providers/chat/types';
import type { GradeFn } from './grade';
import { TraceOptionsSchema, type TraceOptions, type TraceOptionsInput } from './options';
import { COT_SYSTEM_PROMPT, problemPrompt } from './prompts';
import type { TraceMessage, TraceRecord } from './record';
import { samplingSeed } from './seed';

/** Options parsed per input object: a shard passes the same one to every request. */
const parsedOptions = new WeakMap<TraceOptionsInput, TraceOptions>();

/**
 * Single-turn chain-of-thought samples (cheap, for pass-rate estimation): one request with `n` choices gives
 * `n` records, sample indices `startIndex` … `startIndex + n - 1`. The request's usage is split over them
 * (prompt tokens are counted once by the API), so the records' usage adds up to what was billed.
 */
export async function generateCotSample(
  provider: ChatProvider,
  problem: Problem,
  input: TraceOptionsInput,
  grade: GradeFn,
  startIndex: number,
  n = 1,
): Promise<TraceRecord[]> {
  let opts = parsedOptions.get(input);
  if (!opts) parsedOptions.set(input, (opts = TraceOptionsSchema.parse(input)));
  const prompt: TraceMessage[] = [
    { role: 'system', content: COT_SYSTEM_PROMPT },
    { role: 'user', content: problemPrompt(problem.question) },
  ];
  const res = await provider.complete({
    model: opts.model,
    messages: prompt.map(({ role, content }) => ({ role, content })),
    temperature: opts.temperature,
    maxTokens: opts.maxTokens,
    n,
    seed: samplingSeed(opts.seed, startIndex),
  });
  if (res.choices.length !== n) throw new Error(`${opts.model} returned ${res.choices.length} choices, asked for ${n}`);
  const share = (total: number, i: number) => Math.floor(total / n) + (i < total % n ? 1 : 0);
  return res.choices.map((choice, i) => {
    const g = grade(choice.content, problem.answer);
    const finalAnswer = g.extracted ?? lastBoxed(choice.content);
    return {
      problemId: problem.id,
      levelIndex: problem.levelIndex,
      model: opts.model,
      messages: [...prompt, { role: 'assistant' as const, content: choice.content }],
      ...(finalAnswer !== undefined ? { finalAnswer } : {}),
      grade: g,
      turns: 1,
      verifierFlags: [],
      usage: { promptTokens: share(res.usage.promptTokens, i), completionTokens: share(res.usage.completionTokens, i) },
      stopReason: choice.finishReason === 'length' ? 'length' : 'final-answer',
      style: 'cot',
      sampleIndex: startIndex + i,
    };
  });
}
