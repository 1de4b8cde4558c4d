/**
 * A request the provider refused for a reason retrying cannot fix (400, 401, 403, 404, 422): a bad model
 * name, a bad key, a bad parameter. Carries the provider's own message. Activities map it to a
 * non-retryable failure.
 */
export class ProviderRequestError extends Error {
  readonly retryable = false;
  constructor(
    readonly status: number | undefined,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ProviderRequestError';
  }
}

/**
 * The provider kept failing with retryable errors (429, 5xx, timeouts, dropped connections) until the retry
 * budget ran out. A later attempt may succeed: activities let Temporal retry it.
 */
export class ProviderUnavailableError extends Error {
  readonly retryable = true;
  constructor(
    readonly status: number | undefined,
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}
