import { UserError } from '../../errors';
import { redact } from '../redact';

/**
 * The provider refused the request (400/401/403/404/409/422): retrying the same request cannot help.
 * A `UserError`, so the CLI prints the message alone with exit code 2; activities mark it non-retryable.
 */
export class ProviderRequestError extends UserError {
  readonly retryable = false;
  constructor(
    message: string,
    /** HTTP status. */
    readonly status: number,
    /** The provider's own error text. */
    readonly providerMessage: string,
  ) {
    super(message, 2);
    this.name = 'ProviderRequestError';
  }
}

/** Rate limit (429), server error (5xx), timeout or network failure: worth retrying later. */
export class ProviderUnavailableError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    /** HTTP status, absent for network failures and timeouts. */
    readonly status: number | undefined,
    readonly providerMessage: string,
  ) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}

export type ProviderError = ProviderRequestError | ProviderUnavailableError;

export function isRetryableProviderError(err: unknown): boolean {
  if (err instanceof ProviderRequestError) return false;
  if (err instanceof ProviderUnavailableError) return true;
  return false;
}

/** Whether an HTTP status means "this request will never succeed as sent". */
export function isNonRetryableStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Builds the right error for a failed call. `what` says which call (`together: POST /fine-tunes`). The
 * secret, when given, is masked wherever it might have been echoed.
 */
export function providerHttpError(what: string, status: number | undefined, providerMessage: string, secret?: string): ProviderError {
  const text = redact(providerMessage || (status ? `HTTP ${status}` : 'no response'), secret);
  if (status !== undefined && isNonRetryableStatus(status)) {
    const hint = status === 401 || status === 403 ? ' (check the API key and its permissions)' : '';
    return new ProviderRequestError(`${what} failed with ${status}${hint}: ${text}`, status, text);
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
