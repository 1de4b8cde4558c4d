import { COT_SYSTEM_PROMPT, NOT_YET } from '../traces/prompts';
import { verifierFlagsOf } from '../traces/flags';
import type { TraceMessage, TraceRecord } from '../traces/record';

/** One line of an OpenAI chat fine-tuning file. Only assistant messages carry `weight`. */
export interface ChatExample {
  messages: { role: 'system' | 'user' | 'assistant'; content: string; weight?: 0 | 1 }[];
}

/** The assistant turns that stand: not corrected by a critique, and not a bare "NOT_YET". */
export function finalAssistantTurns(messages: readonly TraceMessage[]): TraceMessage[] {
  return messages.filter((m) => m.role === 'assistant' && !m.corrected && !isBareNotYet(m.content));
}

function isBareNotYet(content: string): boolean {
  return content.includes(NOT_YET) && !content.includes('\\boxed');
}

/**
 * The conversation as it happened: corrected assistant turns stay (the model sees its mistake and the
 * critique) with weight 0, so they are never trained on; so does every flagged turn (a flag's
 * `messageIndex`), whether or not it was marked; every other assistant turn has weight 1. Messages after the
 * last assistant turn (nothing to learn from) are dropped.
 */
export function multiTurnExample(trace: TraceRecord): ChatExample {
  const lastAssistant = trace.messages.map((m) => m.role).lastIndexOf('assistant');
  const flagged = new Set(verifierFlagsOf(trace).map((f) => f.messageIndex));
  return {
    messages: trace.messages.slice(0, lastAssistant + 1).map((m, i) =>
      m.role === 'assistant' ? { role: m.role, content: m.content, weight: m.corrected || flagged.has(i) ? 0 : 1 } : { role: m.role, content: m.content },
    ),
  };
}

/** One prompt, one answer: the final (uncorrected) steps joined into a single assistant message. */
export function flattenedExample(trace: TraceRecord, systemPrompt = COT_SYSTEM_PROMPT): ChatExample {
  const user = trace.messages.find((m) => m.role === 'user');
  const steps = finalAssistantTurns(trace.messages);
  return {
    messages: [
      { role: 'system', content: systemPrompt },
      { role: 'user', content: user?.content ?? '' },
      { role: 'assistant', content: steps.map((m) => m.content.trim()).join('\n\n'), weight: 1 },
    ],
  };
}
