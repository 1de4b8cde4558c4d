import { UserError } from '../errors';
import { redact } from './redact';

/**
 * One classification of provider failures, shared by the chat and the fine-tuning/serving clients.
 *
 * - `ProviderRequestError`: the provider refused the request for a reason retrying cannot fix (400, 401, 403,
 *   404, 422, ...). A `UserError`, so the CLI prints the message alone with exit code 2; activities mark it
 *   non-retryable and the round is `blocked` with the provider's own words.
 * - `ProviderUnavailableError`: rate limit (429), server trouble (5xx), timeout, dropped connection, and
 *   409 Conflict. Worth retrying later.
 *
 * 409, one answer for every client: a conflict with the resource's current state (a job or deployment being
 * updated, a busy backend, a create whose caller-chosen id already exists). It is retryable, and a create
 * that answers 409 is settled the way every doubtful create is: by listing by business key and adopting what
 * exists (ensureJob, ensureDeployment), never by creating a second one.
 */
export class ProviderRequestError extends UserError {
  readonly retryable = false;
  constructor(
    message: string,
    /** HTTP status; absent when the answer was unusable without one (e.g. a 200 without choices). */
    readonly status: number | undefined,
    /** The provider's own error text. */
    readonly providerMessage: string = message,
    /** The provider's error code, when it gave one (`model_not_found`). */
    readonly code?: string,
  ) {
    super(message, 2);
    this.name = 'ProviderRequestError';
  }
}

export class ProviderUnavailableError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    /** HTTP status, absent for network failures and timeouts. */
    readonly status: number | undefined,
    readonly providerMessage: string = message,
    /** Attempts made before giving up (chat client); 1 when the caller does not retry. */
    readonly attempts: number = 1,
  ) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}

export type ProviderError = ProviderRequestError | ProviderUnavailableError;

/** Statuses worth retrying: request timeout, conflict (see above), rate limits, server errors, no status at all. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Whether an HTTP status means "this request will never succeed as sent". */
export function isNonRetryableStatus(status: number): boolean {
  return status >= 400 && !isRetryableStatus(status);
}

export function isRetryableProviderError(err: unknown): boolean {
  if (err instanceof ProviderRequestError) return false;
  if (err instanceof ProviderUnavailableError) return true;
  return false;
}

/**
 * Builds the right error for a failed call. `what` says which call (`together: POST /fine-tunes`). The
 * secret, when given, is masked wherever it might have been echoed.
 */
export function providerHttpError(what: string, status: number | undefined, providerMessage: string, secret?: string, code?: string): ProviderError {
  const text = redact(providerMessage || (status ? `HTTP ${status}` : 'no response'), secret);
  if (status !== undefined && isNonRetryableStatus(status)) {
    const hint = status === 401 || status === 403 ? ' (check the API key and its permissions)' : '';
    return new ProviderRequestError(`${what} failed with ${status}${hint}: ${text}`, status, text, code);
  }
  const head = status === undefined ? `${what} failed` : `${what} failed with ${status}`;
  return new ProviderUnavailableError(`${head}: ${text}`, status, text);
}

/** The error text a provider put in a JSON error body, whatever shape it uses. */
export function messageFromBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  if (typeof body === 'string') return body.slice(0, 2000);
  if (Buffer.isBuffer(body)) return body.toString('utf8').slice(0, 2000);
  if (typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const err = b.error;
    if (typeof err === 'string') return err;
    if (err && typeof err === 'object' && typeof (err as Record<string, unknown>).message === 'string') {
      return (err as Record<string, string>).message!;
    }
    if (typeof b.message === 'string') return b.message;
    if (typeof b.detail === 'string') return b.detail;
    try {
      return JSON.stringify(body).slice(0, 2000);
    } catch {
      return '';
    }
  }
  return String(body);
}
