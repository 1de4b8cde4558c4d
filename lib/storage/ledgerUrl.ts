import path from 'node:path';
import { UserError } from '../errors';

/**
 * Ledger URLs (lib/storage/ledgerLocation.ts says which one a campaign uses): `sqlite:///abs/dir` or
 * `postgres://user@host:port/db`. A password in the URL is refused: configs are copied into the run store and
 * workflow inputs, so the password comes from PGPASSWORD or ~/.pgpass on the workers.
 */
export type ParsedLedgerUrl = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** A URL with any password replaced, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@').replace(/([?&]password=)[^&]*/i, '$1***');
}

/** What is wrong with a ledger URL, or undefined when it is one. */
export function ledgerUrlProblem(url: string): string | undefined {
  try {
    parseLedgerUrl(url, 'ledger');
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^ledger: /, '');
  }
}

/** Parses a ledger URL; `where` (a config field or an environment variable) starts every message. */
export function parseLedgerUrl(url: string, where: string): ParsedLedgerUrl {
  const shown = redactUrl(url);
  if (/^postgres(ql)?:\/\//i.test(url)) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new UserError(`${where}: ${shown} is not a valid URL (expected postgres://user@host:port/database)`);
    }
    if (u.password !== '' || u.searchParams.has('password')) {
      throw new UserError(
        `${where}: ${shown} holds a password; remove it from the URL and set PGPASSWORD (or a ~/.pgpass entry) in the environment of every worker (a config is copied into the run store and workflow inputs)`,
      );
    }
    if (!u.hostname || u.pathname.replace(/^\//, '') === '') throw new UserError(`${where}: ${shown}: expected postgres://user@host:port/database (a host and a database name)`);
    return { kind: 'postgres', url };
  }
  if (/^sqlite:/i.test(url)) {
    const m = /^sqlite:\/\/(\/[^?#]*)$/i.exec(url);
    if (!m) throw new UserError(`${where}: ${shown}: expected sqlite:///absolute/directory (three slashes: an absolute path on this machine)`);
    return { kind: 'sqlite', path: path.resolve(decodeURIComponent(m[1]!)) };
  }
  throw new UserError(`${where}: ${shown}: expected sqlite:///absolute/directory or postgres://user@host:port/database`);
}

