import path from 'node:path';
import { CampaignConfigSchema } from '../../../lib/config/schema';
import { UserError } from '../../../lib/errors';
import { ledgerLocation, LEDGER_ENV } from '../../../lib/storage/ledgerLocation';
import { parseLedgerUrl, redactUrl } from '../../../lib/storage/ledgerUrl';
import { DirectoryRunStore, type RunStore } from '../../../lib/store';

describe('ledger URLs', () => {
  it('parses sqlite and postgres URLs', () => {
    expect(parseLedgerUrl('sqlite:///var/lib/strawberry', 'x')).toEqual({ kind: 'sqlite', path: '/var/lib/strawberry' });
    expect(parseLedgerUrl('sqlite:///a%20b/c', 'x')).toEqual({ kind: 'sqlite', path: '/a b/c' });
    expect(parseLedgerUrl('postgres://sb@db.example:5432/strawberry', 'x')).toEqual({ kind: 'postgres', url: 'postgres://sb@db.example:5432/strawberry' });
    expect(parseLedgerUrl('postgresql://sb@db/strawberry?sslmode=require', 'x').kind).toBe('postgres');
  });

  it('refuses a password in the URL, naming where it came from and the variable to use, without echoing it', () => {
    for (const url of ['postgres://sb:hunter2@db:5432/strawberry', 'postgres://sb@db/strawberry?password=hunter2']) {
      let err: unknown;
      try {
        parseLedgerUrl(url, 'storage.ledger');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/^storage\.ledger: .*holds a password.*PGPASSWORD/);
      expect((err as Error).message).not.toContain('hunter2');
    }
    expect(redactUrl('postgres://sb:hunter2@db/x')).toBe('postgres://sb:***@db/x');
  });

  it.each([
    ['sqlite://relative/dir', /sqlite:\/\/\/absolute\/directory/],
    ['mysql://db/x', /expected sqlite:\/\/\/absolute\/directory or postgres:\/\//],
    ['postgres://sb@db', /a host and a database name/],
    ['/just/a/path', /expected sqlite/],
  ])('refuses %s', (url, message) => {
    expect(() => parseLedgerUrl(url, LEDGER_ENV)).toThrow(message);
  });

  it('the config schema checks storage.ledger with the same rules', () => {
    const base = { name: 'c', curriculum: 'x.yaml', providers: {}, student: { provider: 'p', baseModel: 'm' } };
    expect(CampaignConfigSchema.safeParse({ ...base, storage: { ledger: 'postgres://sb@db/s' } }).success).toBe(true);
    const bad = CampaignConfigSchema.safeParse({ ...base, storage: { ledger: 'postgres://sb:pw@db/s' } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['storage', 'ledger'] });
    expect(bad.error!.issues[0]!.message).toMatch(/holds a password.*PGPASSWORD/);
    expect(CampaignConfigSchema.safeParse({ ...base, storage: { ledger: 'sqlite:///x', other: 1 } }).success).toBe(false);
  });
});

describe('ledgerLocation', () => {
  const store = new DirectoryRunStore('/tmp/runs-x');

  it('takes the config first, then STRAWBERRY_LEDGER, then SQLite in the run store', () => {
    const env = { [LEDGER_ENV]: 'postgres://w@pg/led' };
    expect(ledgerLocation(store, 'demo', 'sqlite:///data/ledgers', env)).toEqual({ kind: 'sqlite', dir: '/data/ledgers/demo' });
    expect(ledgerLocation(store, 'demo', undefined, env)).toEqual({ kind: 'postgres', url: 'postgres://w@pg/led', campaign: 'demo' });
    expect(ledgerLocation(store, 'demo', undefined, {})).toEqual({ kind: 'sqlite', dir: path.join('/tmp/runs-x', 'demo', 'ledger') });
    expect(ledgerLocation(store, 'evals/e1', undefined, {})).toEqual({ kind: 'sqlite', dir: path.join('/tmp/runs-x', 'evals', 'e1', 'ledger') });
  });

  it('names the source of a bad URL', () => {
    expect(() => ledgerLocation(store, 'demo', undefined, { [LEDGER_ENV]: 'postgres://a:b@h/d' })).toThrow(/^STRAWBERRY_LEDGER: /);
    expect(() => ledgerLocation(store, 'demo', 'nope', {})).toThrow(/^storage\.ledger of campaign "demo": /);
  });

  it('refuses to default when the run store is not a directory, naming both settings', () => {
    const objectStore = { uriFor: (p: string) => `s3://b/${p}` } as unknown as RunStore;
    expect(() => ledgerLocation(objectStore, 'demo', undefined, {})).toThrow(UserError);
    expect(() => ledgerLocation(objectStore, 'demo', undefined, {})).toThrow(/storage\.ledger .*STRAWBERRY_LEDGER/);
    expect(ledgerLocation(objectStore, 'demo', 'postgres://w@pg/led', {}).kind).toBe('postgres');
  });
});
