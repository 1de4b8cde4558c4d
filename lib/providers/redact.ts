/**
 * Replaces every occurrence of the secret (and a bearer header carrying any token) with `[redacted]`.
 * Providers' error texts go into logs, errors and Temporal failures; some OpenAI-compatible servers echo
 * the key they were sent, so every provider error text passes through here.
 */
export function redact(text: string, secret?: string): string {
  let out = text;
  if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(/Bearer\s+[A-Za-z0-9._~+/=-]{8,}/g, 'Bearer [redacted]');
}
