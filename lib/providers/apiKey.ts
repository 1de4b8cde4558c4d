import { UserError } from '../errors';

/**
 * Reads an API key from the environment variable the config names, at the moment of use, so keys live only
 * in the worker's environment. The message names the variable and what the key is for, never a value.
 * One reader for chat and fine-tuning clients, so both treat blank keys and whitespace alike.
 */
export function readApiKey(apiKeyEnv: string, purpose: string): string {
  const value = process.env[apiKeyEnv];
  if (!value || !value.trim()) {
    throw new UserError(`the environment variable ${apiKeyEnv} is not set or empty; it must hold ${purpose}`);
  }
  return value.trim();
}
