import { UserError } from '../errors';

/**
 * A store-relative path, checked and normalised the same way by every run store: forward slashes, no empty
 * or `.` segments, nothing absolute, no `..`, not the root itself.
 */
export function normalizeRelPath(relPath: string, opts: { allowTrailingSlash?: boolean } = {}): string {
  if (typeof relPath !== 'string' || relPath === '') throw new UserError('run store: empty path');
  const slashed = relPath.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed) || slashed.includes('\0')) {
    throw new UserError(`run store: ${JSON.stringify(relPath)} must be a relative path inside the store`);
  }
  const segments = slashed.split('/');
  const trailing = segments[segments.length - 1] === '';
  if (trailing && !opts.allowTrailingSlash) throw new UserError(`run store: ${JSON.stringify(relPath)} names a directory, not a file`);
  const kept = segments.filter((s) => s !== '' && s !== '.');
  if (kept.some((s) => s === '..')) throw new UserError(`run store: ${JSON.stringify(relPath)} must not contain '..'`);
  if (kept.length === 0) throw new UserError(`run store: ${JSON.stringify(relPath)} names the store root`);
  return kept.join('/') + (trailing ? '/' : '');
}
