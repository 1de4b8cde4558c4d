import { createHash } from 'node:crypto';

/** The business key of one fine-tune attempt: `<campaign>-r<n>-a<attempt>`. At most one job exists per key. */
export function fineTuneKey(campaign: string, round: number, attempt: number): string {
  return `${campaign}-r${round}-a${attempt}`;
}

/**
 * A provider-safe name derived from the key: a readable slug of the key plus 8 hex digits of its hash, so two
 * keys never map to the same name even after truncation or when one key's slug contains another's.
 * Lower-case letters, digits and hyphens, starting with a letter, at most `maxLength` characters.
 */
export function keySlug(key: string, maxLength: number): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
  let slug = key
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (!/^[a-z]/.test(slug)) slug = `k${slug ? '-' + slug : ''}`;
  const room = maxLength - hash.length - 1;
  slug = slug.slice(0, Math.max(1, room)).replace(/-+$/, '');
  return `${slug}-${hash}`;
}
