import path from 'node:path';
import { UserError } from '../errors';
import { campaignConfigPath } from '../config/configStore';
import { DirectoryRunStore, type RunStore } from '../store';
import { parseLedgerUrl } from './ledgerUrl';

/**
 * Where a campaign's sample ledger (and, with PostgreSQL, its model registry) lives, chosen by URL: the campaign
 * config's `storage.ledger`, else the worker's STRAWBERRY_LEDGER, else SQLite inside the (directory) run store.
 *
 * - `sqlite:///abs/dir`: one SQLite database per campaign, `<dir>/<campaign>/ledger.sqlite` (local disk only).
 * - `postgres://user@host:port/db` (or `postgresql://`): one database for many campaigns (a campaign column);
 *   the password comes from PGPASSWORD or ~/.pgpass on the worker, never from the URL (configs are copied into
 *   the run store and workflow inputs).
 * - default: `<runs>/<campaign>/ledger/ledger.sqlite`, as before.
 */
export type LedgerLocation =
  | { kind: 'sqlite'; /** The directory of the campaign's `ledger.sqlite`. */ dir: string }
  | { kind: 'postgres'; url: string; campaign: string };

export const LEDGER_ENV = 'STRAWBERRY_LEDGER';

/** The ledger URL chosen for a campaign, if any: `configured` (the config's `storage.ledger`), else STRAWBERRY_LEDGER. */
export function chosenLedgerUrl(campaign: string, configured?: string, env: NodeJS.ProcessEnv = process.env): { url: string; where: string } | undefined {
  if (configured) return { url: configured, where: `storage.ledger of campaign "${campaign}"` };
  if (env[LEDGER_ENV]) return { url: env[LEDGER_ENV]!, where: LEDGER_ENV };
  return undefined;
}

/**
 * The ledger location of `campaign` (a campaign name, or e.g. `evals/<name>` for an eval's own ledger): the chosen
 * URL (chosenLedgerUrl), else SQLite at `<run store>/<campaign>/ledger`.
 */
export function ledgerLocation(store: RunStore, campaign: string, configured?: string, env: NodeJS.ProcessEnv = process.env): LedgerLocation {
  const chosen = chosenLedgerUrl(campaign, configured, env);
  if (chosen) {
    const parsed = parseLedgerUrl(chosen.url, chosen.where);
    return parsed.kind === 'postgres' ? { kind: 'postgres', url: parsed.url, campaign } : { kind: 'sqlite', dir: path.join(parsed.path, ...campaign.split('/')) };
  }
  if (!(store instanceof DirectoryRunStore)) {
    throw new UserError(
      `campaign "${campaign}": the run store is not a local directory, so the ledger cannot default to SQLite inside it; set storage.ledger in the campaign config or ${LEDGER_ENV} on the workers (postgres://user@host:port/db, or sqlite:///local/dir)`,
    );
  }
  return { kind: 'sqlite', dir: store.resolve(`${campaign}/ledger`) };
}

/** The `storage.ledger` of a started campaign's config copy (`<campaign>/config.json`, written by `start`). */
export async function storedLedgerUrl(store: RunStore, campaign: string): Promise<string | undefined> {
  const rel = campaignConfigPath(campaign);
  const config = (await store.exists(rel)) ? await store.readJson<{ storage?: { ledger?: string } }>(rel) : undefined;
  return config?.storage?.ledger;
}

/** The ledger location of a started campaign, for readers without its config at hand (reports). */
export async function campaignLedgerLocation(store: RunStore, campaign: string): Promise<LedgerLocation> {
  return ledgerLocation(store, campaign, await storedLedgerUrl(store, campaign));
}
