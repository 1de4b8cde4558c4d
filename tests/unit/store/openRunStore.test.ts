import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCampaignConfig } from '../../../lib/config/load';
import { UserError } from '../../../lib/errors';
import { assertDeclaredRunStore, assertRunStoreFilesystem, DirectoryRunStore, openRunStore, parseRunStoreUrl, runStoreUrlFromEnv, runStoreUrlOf } from '../../../lib/store';
import { networkFilesystemOf } from '../../../lib/store/networkFilesystem';
import { S3RunStore, s3ClientConfigFromEnv } from '../../../lib/store/s3RunStore';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'open-run-store-'));
const userError = (fn: () => unknown): UserError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
};

describe('parseRunStoreUrl', () => {
  it('takes file:// URLs of absolute paths and s3:// URLs of a bucket and prefix', () => {
    expect(parseRunStoreUrl('file:///data/runs/')).toEqual({ kind: 'file', url: 'file:///data/runs', root: '/data/runs' });
    expect(parseRunStoreUrl('file://localhost/data/runs')).toMatchObject({ kind: 'file', root: '/data/runs' });
    expect(parseRunStoreUrl('s3://my-bucket/team//runs/')).toEqual({ kind: 's3', url: 's3://my-bucket/team/runs', bucket: 'my-bucket', prefix: 'team/runs' });
    expect(parseRunStoreUrl('s3://my.bucket')).toEqual({ kind: 's3', url: 's3://my.bucket', bucket: 'my.bucket', prefix: '' });
  });

  it('refuses what is not a run store URL, saying what is expected', () => {
    expect(userError(() => parseRunStoreUrl('runs', 'STRAWBERRY_RUN_STORE')).message).toMatch(/^STRAWBERRY_RUN_STORE: "runs" is not a URL \(expected file:\/\/\/absolute\/path or s3:\/\/bucket\/prefix; a plain directory goes in STRAWBERRY_RUNS_DIR\)/);
    expect(userError(() => parseRunStoreUrl('http://minio:9000/bucket')).message).toMatch(/scheme http; expected file:\/\/\/absolute\/path or s3:\/\/bucket\/prefix/);
    expect(userError(() => parseRunStoreUrl('file://nas/share/runs')).message).toMatch(/names the host nas/);
    expect(userError(() => parseRunStoreUrl('s3://Bucket_Name/x')).message).toMatch(/is not a bucket name/);
    expect(userError(() => parseRunStoreUrl('s3://ab/x')).message).toMatch(/is not a bucket name/);
    expect(userError(() => parseRunStoreUrl('s3://127.0.0.1:9000/x')).message).toMatch(/the endpoint goes in STRAWBERRY_S3_ENDPOINT/);
    expect(userError(() => parseRunStoreUrl('s3://bucket/x?versionId=1')).message).toMatch(/no query or fragment/);
  });

  it('refuses credentials in the URL and names the environment variables to use', () => {
    const err = userError(() => parseRunStoreUrl('s3://AKIAEXAMPLE:s3cr3t@bucket/runs', 'storage.runStore'));
    expect(err.message).toMatch(/^storage\.runStore: .*carries credentials.*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(err.message).not.toContain('s3cr3t');
  });
});

describe('runStoreUrlFromEnv / openRunStore', () => {
  it('defaults to the directory STRAWBERRY_RUNS_DIR, else ./runs, and lets STRAWBERRY_RUN_STORE choose', () => {
    expect(runStoreUrlFromEnv({})).toEqual({ kind: 'file', url: pathToFileURL(path.resolve('runs')).href, root: path.resolve('runs') });
    expect(runStoreUrlFromEnv({ STRAWBERRY_RUNS_DIR: '/tmp/r' })).toMatchObject({ kind: 'file', root: '/tmp/r' });
    expect(runStoreUrlFromEnv({ STRAWBERRY_RUNS_DIR: '/tmp/r', STRAWBERRY_RUN_STORE: 's3://b-1/p' })).toMatchObject({ kind: 's3', bucket: 'b-1', prefix: 'p' });
    expect(userError(() => runStoreUrlFromEnv({ STRAWBERRY_RUN_STORE: 'ftp://x/y' })).message).toMatch(/^STRAWBERRY_RUN_STORE: /);
  });

  it('opens a directory store for file:// and an S3 store for s3://, whose URIs round-trip', () => {
    const dir = tmp();
    const d = openRunStore(pathToFileURL(dir).href);
    expect(d).toBeInstanceOf(DirectoryRunStore);
    expect(runStoreUrlOf(d)).toBe(pathToFileURL(dir).href);
    const s = openRunStore('s3://bucket-a/team/runs', {}) as S3RunStore;
    // No request is sent: opening a store only builds its client.
    expect(s).toBeInstanceOf(S3RunStore);
    expect(s.uriFor('demo/round-1/x.jsonl')).toBe('s3://bucket-a/team/runs/demo/round-1/x.jsonl');
    expect(s.relPathOf('s3://bucket-a/team/runs/demo/round-1/x.jsonl')).toBe('demo/round-1/x.jsonl');
    expect(() => s.relPathOf('s3://bucket-a/other/x.jsonl')).toThrow('is not an object of the run store s3://bucket-a/team/runs');
    expect(() => s.uriFor('../x')).toThrow("must not contain '..'");
    expect(runStoreUrlOf(s)).toBe('s3://bucket-a/team/runs');
  });
});

describe('s3ClientConfigFromEnv', () => {
  const creds = { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' };
  it('takes credentials from the AWS_* environment (else the SDK chain: AWS_PROFILE, a role), never half of them', () => {
    expect(s3ClientConfigFromEnv({})).not.toHaveProperty('credentials');
    expect(userError(() => s3ClientConfigFromEnv({ AWS_ACCESS_KEY_ID: 'id' })).message).toMatch(/AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY; set both/);
    expect(s3ClientConfigFromEnv({ ...creds, AWS_SESSION_TOKEN: 't' })).toMatchObject({ credentials: { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 't' }, region: 'us-east-1' });
    expect(s3ClientConfigFromEnv({ ...creds, AWS_REGION: 'eu-west-1' }).region).toBe('eu-west-1');
  });

  it('uses path-style addressing for an S3-compatible endpoint, and checks the endpoint', () => {
    expect(s3ClientConfigFromEnv(creds)).not.toHaveProperty('endpoint');
    expect(s3ClientConfigFromEnv({ ...creds, STRAWBERRY_S3_ENDPOINT: 'http://127.0.0.1:18333' })).toMatchObject({ endpoint: 'http://127.0.0.1:18333', forcePathStyle: true });
    expect(userError(() => s3ClientConfigFromEnv({ ...creds, STRAWBERRY_S3_ENDPOINT: 'localhost:9000' })).message).toMatch(/^STRAWBERRY_S3_ENDPOINT: /);
    expect(userError(() => s3ClientConfigFromEnv({ ...creds, STRAWBERRY_S3_ENDPOINT: 'http://k:s@h:9000' })).message).toMatch(/credentials do not belong in the endpoint URL/);
  });
});

describe('storage policies', () => {
  it("refuses a worker whose store is not the campaign's declared storage.runStore", () => {
    const dir = tmp();
    const store = new DirectoryRunStore(dir);
    expect(() => assertDeclaredRunStore(store, undefined, 'campaign c')).not.toThrow();
    expect(() => assertDeclaredRunStore(store, `${pathToFileURL(dir).href}/`, 'campaign c')).not.toThrow();
    const err = userError(() => assertDeclaredRunStore(store, 's3://team-bucket/runs', 'campaign c'));
    expect(err.message).toBe(`campaign c: the campaign's storage.runStore is s3://team-bucket/runs, but this process's run store is ${pathToFileURL(dir).href}; set STRAWBERRY_RUN_STORE=s3://team-bucket/runs here`);
  });

  it('refuses a directory store on a network filesystem unless it is declared shared', async () => {
    const store = new DirectoryRunStore(tmp());
    const nfs = async () => 'NFS';
    await expect(assertRunStoreFilesystem(store, false, {}, nfs)).rejects.toThrow(/is on a NFS filesystem.*STRAWBERRY_RUN_STORE=s3:\/\/bucket\/prefix.*storage\.sharedFilesystem: true.*STRAWBERRY_RUN_STORE_SHARED=1/);
    await expect(assertRunStoreFilesystem(store, true, {}, nfs)).resolves.toBeUndefined();
    await expect(assertRunStoreFilesystem(store, false, { STRAWBERRY_RUN_STORE_SHARED: '1' }, nfs)).resolves.toBeUndefined();
    // The real detector: this machine's temporary directory is local.
    await expect(assertRunStoreFilesystem(store, false, {})).resolves.toBeUndefined();
    await expect(networkFilesystemOf(path.join(os.tmpdir(), 'not', 'there', 'yet'))).resolves.toBeUndefined();
  });

  it('checks storage.runStore in the config and names the field', async () => {
    const file = path.join(tmp(), 'c.yaml');
    const write = (storage: string) =>
      writeFileSync(
        file,
        [
          'name: t',
          `curriculum: ${path.resolve(__dirname, '../../../curricula/arithmetic.yaml')}`,
          'providers: { p: { kind: openai, baseURL: "http://127.0.0.1:9/v1", apiKeyEnv: T_KEY } }',
          'student: { provider: p, baseModel: m }',
          storage,
          '',
        ].join('\n'),
      );
    write('storage: { runStore: "s3://team-bucket/runs" }');
    expect((await loadCampaignConfig(file)).storage).toEqual({ runStore: 's3://team-bucket/runs', sharedFilesystem: false });
    write('storage: { runStore: "s3://key:secret@team-bucket/runs" }');
    const err = await loadCampaignConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/storage\.runStore.*carries credentials.*AWS_ACCESS_KEY_ID/);
    expect((err as Error).message).not.toContain('secret@');
    write('storage: { sharedFilesystem: yes please }');
    await expect(loadCampaignConfig(file)).rejects.toThrow(/storage\.sharedFilesystem/);
  });
});
