import { UserError } from '../../errors';

/**
 * Reads the API key from the environment variable the config names, at the moment of use, so keys live only
 * in the worker's environment. The message names the variable, never a value.
 */
export function readApiKey(apiKeyEnv: string): string {
  const value = process.env[apiKeyEnv];
  if (!value || !value.trim()) {
    throw new UserError(`the environment variable ${apiKeyEnv} is not set; it must hold the fine-tuning provider's API key`);
  }
  return value.trim();
}
