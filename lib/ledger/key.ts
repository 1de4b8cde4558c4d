import { createHash } from 'node:crypto';

/** What identifies one sample: re-runs look this up and sample only what is missing. */
export interface SampleKey {
  problemId: string;
  model: string;
  samplingParamsHash: string;
  /** Why it was sampled, e.g. `estimate`, `trace`, `eval`: the same prompt for two purposes is two samples. */
  purpose: string;
  sampleIndex: number;
}

/** Everything that changes what a sample would be: temperature, max tokens, prompt style and version, ... */
export type SamplingParams = Record<string, string | number | boolean | null | undefined>;

/**
 * The first 16 hex digits of the sha256 of the params' canonical JSON (keys sorted, undefined dropped), so
 * `{temperature: 1, maxTokens: 512}` and `{maxTokens: 512, temperature: 1}` hash alike, and raising
 * max tokens gives new keys (so the samples are redone).
 */
export function samplingParamsHash(params: SamplingParams): string {
  const canonical = JSON.stringify(
    Object.keys(params)
      .sort()
      .filter((k) => params[k] !== undefined)
      .map((k) => [k, params[k]]),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** The map key of a sample key (a JSON array: no separator can collide with a field's content). */
export function keyString(k: SampleKey): string {
  return JSON.stringify([k.problemId, k.model, k.samplingParamsHash, k.purpose, k.sampleIndex]);
}

export function keyOf(k: SampleKey): SampleKey {
  return { problemId: k.problemId, model: k.model, samplingParamsHash: k.samplingParamsHash, purpose: k.purpose, sampleIndex: k.sampleIndex };
}

/** Which field of a would-be key is wrong, or undefined when it is a valid key. */
export function keyProblem(v: Record<string, unknown>): string | undefined {
  for (const f of ['problemId', 'model', 'samplingParamsHash', 'purpose'] as const)
    if (typeof v[f] !== 'string' || v[f] === '') return `field "${f}": expected a non-empty string`;
  if (!Number.isInteger(v.sampleIndex) || (v.sampleIndex as number) < 0) return 'field "sampleIndex": expected a non-negative integer';
  return undefined;
}
