import { APIConnectionError, APIError } from 'openai';
import { redact } from '../redact';
import { isRetryableStatus, ProviderRequestError } from '../errors';

/** Statuses worth retrying: one answer for chat and fine-tuning clients (lib/providers/errors.ts). */
export { isRetryableStatus };

export type ClassifiedError =
  | { retryable: true; status: number | undefined; message: string; retryAfterMs?: number }
  | { retryable: false; error: Error };

/**
 * Sorts an SDK error into "retry, maybe after this long" or "give up with this error". `secret` (the API key
 * sent) is masked in the message, since some OpenAI-compatible servers echo the key in their errors.
 */
export function classifyError(err: unknown, secret?: string): ClassifiedError {
  // Connection errors (including timeouts) are APIErrors without a status.
  if (err instanceof APIConnectionError) return { retryable: true, status: undefined, message: redact(err.message, secret) };
  if (err instanceof APIError) {
    const status = err.status;
    const message = redact(providerMessage(err), secret);
    if (isRetryableStatus(status)) return { retryable: true, status, message, retryAfterMs: retryAfterMs(err.headers) };
    return { retryable: false, error: new ProviderRequestError(message, status, message, err.code ?? undefined) };
  }
  return { retryable: false, error: err instanceof Error ? err : new Error(String(err)) };
}

/** The provider's own message (from the JSON body when there is one), prefixed with the status. */
function providerMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  const text = body && typeof body.message === 'string' ? body.message : err.message;
  return err.status ? `${err.status}: ${text.replace(/^\d{3}\s+/, '')}` : text;
}

/** `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with jitter: base * 2^attempt, scaled by a random factor in [0.5, 1], capped. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  return Math.min(capMs, baseMs * 2 ** attempt * (0.5 + 0.5 * random()));
}
