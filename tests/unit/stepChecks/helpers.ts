import type { TraceMessage, TraceRecord } from '../../../lib/traces/record';

/** A trace of the given turns after a system prompt and the problem (assistant strings; `{user}` objects between). */
export function traceOf(question: string, turns: (string | { user: string } | { corrected: string })[], extra: Partial<TraceRecord> = {}): TraceRecord {
  const messages: TraceMessage[] = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: `Problem:\n${question}` },
    ...turns.map((t): TraceMessage => (typeof t === 'string' ? { role: 'assistant', content: t } : 'user' in t ? { role: 'user', content: t.user } : { role: 'assistant', content: t.corrected, corrected: true })),
  ];
  return {
    problemId: 'p',
    levelIndex: 0,
    model: 'm',
    messages,
    grade: { correct: true, reason: 'match', verifierVersion: 't' },
    turns: turns.length,
    verifierFlags: [],
    usage: { promptTokens: 0, completionTokens: 0 },
    stopReason: 'final-answer',
    style: 'multi-turn',
    sampleIndex: 0,
    ...extra,
  };
}
