import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../errors';
import { DEFAULT_RUNS_ROOT, DirectoryRunStore } from './directoryRunStore';
import { networkFilesystemOf } from './networkFilesystem';
import type { RunStore } from './types';
// Type only: the S3 client (about 200 ms to load) is required when an s3:// store is opened, not by every command.
import type { S3RunStore } from './s3RunStore';

/**
 * Which run store a process uses, by URL: `file:///abs/path` (a directory, the default) or
 * `s3://bucket/prefix` (any S3-compatible object store; the endpoint and credentials come from the environment,
 * see s3RunStore.ts). Workers and the CLI take it from `STRAWBERRY_RUN_STORE`, else from the directory
 * `STRAWBERRY_RUNS_DIR` (default `./runs`).
 */
export type RunStoreUrl = { kind: 'file'; url: string; root: string } | { kind: 's3'; url: string; bucket: string; prefix: string };

const EXPECTED = 'expected file:///absolute/path or s3://bucket/prefix';

/** Parses and normalises a run store URL; `what` names where it came from in errors (an env var, a config field). */
export function parseRunStoreUrl(raw: string, what = 'run store URL'): RunStoreUrl {
  const text = raw.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UserError(`${what}: ${JSON.stringify(raw)} is not a URL (${EXPECTED}; a plain directory goes in STRAWBERRY_RUNS_DIR)`);
  }
  if (u.username || u.password) {
    throw new UserError(`${what}: ${u.protocol}//${u.host}... carries credentials; they are read from the environment: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY on each worker`);
  }
  if (u.search || u.hash) throw new UserError(`${what}: ${JSON.stringify(raw)} must have no query or fragment (${EXPECTED})`);
  if (u.protocol === 'file:') {
    if (u.host && u.host !== 'localhost') throw new UserError(`${what}: ${JSON.stringify(raw)} names the host ${u.host}; a file run store is a local (or mounted) path: file:///path`);
    const root = path.resolve(fileURLToPath(u));
    return { kind: 'file', url: pathToFileURL(root).href, root };
  }
  if (u.protocol === 's3:') {
    const bucket = u.hostname;
    // S3's bucket naming rules: 3-63 characters, lowercase letters, digits, dots and hyphens, letter or digit at both ends.
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..') || u.port) {
      throw new UserError(`${what}: ${JSON.stringify(raw)}: ${JSON.stringify(u.host)} is not a bucket name (3-63 lowercase letters, digits, "." or "-"); the endpoint goes in STRAWBERRY_S3_ENDPOINT`);
    }
    // The URL parser has already resolved "." and ".." segments.
    const prefix = decodeURIComponent(u.pathname).split('/').filter((s) => s !== '').join('/');
    return { kind: 's3', url: `s3://${bucket}${prefix ? `/${prefix}` : ''}`, bucket, prefix };
  }
  throw new UserError(`${what}: ${JSON.stringify(raw)} has the scheme ${u.protocol.replace(/:$/, '')}; ${EXPECTED}`);
}

/** The run store URL of this process: `STRAWBERRY_RUN_STORE`, else `file://` of `STRAWBERRY_RUNS_DIR` (default `./runs`). */
export function runStoreUrlFromEnv(env: NodeJS.ProcessEnv = process.env): RunStoreUrl {
  const raw = env.STRAWBERRY_RUN_STORE?.trim();
  if (raw) return parseRunStoreUrl(raw, 'STRAWBERRY_RUN_STORE');
  const root = path.resolve(env.STRAWBERRY_RUNS_DIR ?? DEFAULT_RUNS_ROOT);
  return { kind: 'file', url: pathToFileURL(root).href, root };
}

/** Opens the run store a URL names (an s3:// store reads its endpoint and credentials from the environment). */
export function openRunStore(url: string | RunStoreUrl, opts: { listPageSize?: number } = {}): RunStore {
  const parsed = typeof url === 'string' ? parseRunStoreUrl(url) : url;
  if (parsed.kind === 'file') return new DirectoryRunStore(parsed.root);
  const { S3RunStore: Store } = require('./s3RunStore') as { S3RunStore: typeof S3RunStore };
  return new Store({ bucket: parsed.bucket, prefix: parsed.prefix, ...opts });
}

/** The URL of an open store, as parseRunStoreUrl normalises it (for comparing with a config's `storage.runStore`). */
export function runStoreUrlOf(store: RunStore): string {
  if (store instanceof DirectoryRunStore) return pathToFileURL(store.root).href;
  const s = store as Partial<S3RunStore>;
  if (typeof s.url === 'string') return s.url;
  throw new Error('run store: unknown implementation');
}

/** Where a path of the store is, for people: a directory's absolute path, else the object's URI. */
export function storeLocation(store: RunStore, relPath: string): string {
  return store instanceof DirectoryRunStore ? store.resolve(relPath) : store.uriFor(relPath);
}

/**
 * A directory run store on a network or FUSE filesystem is refused unless the campaign says the path is a
 * shared filesystem (`storage.sharedFilesystem: true`, or `STRAWBERRY_RUN_STORE_SHARED=1` on the worker):
 * several hosts writing one directory need a filesystem that gives them atomic renames and coherent reads,
 * which a person must vouch for; an object store (s3://) needs no such promise.
 */
export async function assertRunStoreFilesystem(
  store: RunStore,
  sharedFilesystem: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
  filesystemOf: (dir: string) => Promise<string | undefined> = networkFilesystemOf,
): Promise<void> {
  if (!(store instanceof DirectoryRunStore)) return;
  if (sharedFilesystem || env.STRAWBERRY_RUN_STORE_SHARED === '1') return;
  const fs = await filesystemOf(store.root);
  if (fs) {
    throw new UserError(
      `run store ${store.root} is on a ${fs} filesystem: workers on several hosts sharing a directory need a filesystem that you vouch for. ` +
        'Use an object store (STRAWBERRY_RUN_STORE=s3://bucket/prefix), or, if this mount is shared and coherent, set storage.sharedFilesystem: true in the config (or STRAWBERRY_RUN_STORE_SHARED=1 on the worker)',
    );
  }
}

/**
 * Refuses a campaign whose config declares `storage.runStore` when this process's store is another one: its
 * configs, manifests and datasets would be split across two stores.
 */
export function assertDeclaredRunStore(store: RunStore, declared: string | undefined, where: string): void {
  if (!declared) return;
  const want = parseRunStoreUrl(declared, 'storage.runStore').url;
  const have = runStoreUrlOf(store);
  if (want !== have) {
    throw new UserError(`${where}: the campaign's storage.runStore is ${want}, but this process's run store is ${have}; set STRAWBERRY_RUN_STORE=${want} here`);
  }
}
