/** The fine-tuning clients share the one provider error classification (lib/providers/errors.ts). */
export {
  ProviderRequestError,
  ProviderUnavailableError,
  isRetryableProviderError,
  isNonRetryableStatus,
  isRetryableStatus,
  providerHttpError,
  messageFromBody,
  type ProviderError,
} from '../errors';
