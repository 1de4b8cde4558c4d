/**
 * The chat client shares the one provider error classification (lib/providers/errors.ts):
 * `ProviderRequestError` (refused, retrying cannot help: activities fail non-retryably) and
 * `ProviderUnavailableError` (429, 5xx, 409, timeouts, dropped connections until the retry budget ran out).
 */
export { ProviderRequestError, ProviderUnavailableError, isRetryableStatus } from '../errors';
