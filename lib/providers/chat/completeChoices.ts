import { createHash } from 'node:crypto';
import { createLogger, type Logger } from '../../log';
import type { ChatProvider, ChatRequest, ChatResponse, CompleteOptions } from './types';

export interface CompleteChoicesOptions {
  /** Never ask for more than one choice per request (for servers known to ignore `n`). */
  singleSampleRequests?: boolean;
  /** Names the server in the warning. */
  label?: string;
  logger?: Logger;
}

/** The seed of choice `i` of a request drawn on its own: distinct per choice, a pure function of the request's seed. */
export function choiceSeed(seed: number | undefined, choice: number): number | undefined {
  if (seed === undefined) return undefined;
  if (choice === 0) return seed;
  return createHash('sha256').update(`${seed}\u0000choice\u0000${choice}`).digest().readUInt32BE(0) & 0x7fffffff;
}

/**
 * Some OpenAI-compatible servers ignore `n` and answer one choice (or fewer than asked). This wrapper makes
 * that transparent: a short `choices` list is completed with separate single-choice requests, each with its
 * own seed, and a warning is logged once per client. `singleSampleRequests` skips the `n` request altogether.
 * Usage is summed over the requests, so what was billed still adds up.
 */
export function completeChoices(inner: ChatProvider, opts: CompleteChoicesOptions = {}): ChatProvider {
  const logger = opts.logger ?? createLogger({ component: 'chat-provider' });
  let warned = false;

  const single = (req: ChatRequest, choice: number, options?: CompleteOptions): Promise<ChatResponse> => {
    const seed = choiceSeed(req.seed, choice);
    return inner.complete({ ...req, n: 1, ...(seed !== undefined ? { seed } : {}) }, options);
  };

  const rest = async (req: ChatRequest, have: ChatResponse, want: number, options?: CompleteOptions): Promise<ChatResponse> => {
    const extra = await Promise.all(Array.from({ length: want - have.choices.length }, (_, i) => single(req, have.choices.length + i, options)));
    return {
      choices: [...have.choices, ...extra.map((r) => r.choices[0]!)],
      usage: {
        promptTokens: have.usage.promptTokens + extra.reduce((s, r) => s + r.usage.promptTokens, 0),
        completionTokens: have.usage.completionTokens + extra.reduce((s, r) => s + r.usage.completionTokens, 0),
      },
    };
  };

  return {
    async complete(req, options) {
      const want = req.n ?? 1;
      if (want <= 1) return inner.complete(req, options);
      if (opts.singleSampleRequests) return rest(req, await single(req, 0, options), want, options);
      const first = await inner.complete(req, options);
      if (first.choices.length >= want) return first;
      if (!warned) {
        warned = true;
        logger.warn(
          { server: opts.label, model: req.model, asked: want, got: first.choices.length },
          'the server answered fewer choices than `n` asked for; drawing the rest with separate requests (set singleSampleRequests: true on the provider to skip the `n` request)',
        );
      }
      return rest(req, first, want, options);
    },
  };
}
