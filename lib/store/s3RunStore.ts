import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { UserError } from '../errors';
import { decodeJsonlLines, jsonlChunks, jsonlWhere, streamLines, type JsonlReadOptions } from '../jsonl';
import { normalizeRelPath } from './relPath';
import type { Located, Ref, Rows, RunStore, StoredFile, StoredSource, WriteData } from './types';

/** Bodies up to this size are sent in one PUT from memory; larger ones are spooled to disk and sent in parts. */
const MEMORY_LIMIT = 5 * 1024 * 1024;
/** Multipart part size: S3's minimum (5 MiB); at most 10,000 parts, so objects up to about 48 GiB. */
const PART_SIZE = 5 * 1024 * 1024;
/** An append-only log is a "directory" of one object per line: `<log>/~<time>-<seq>-<writer>`. */
const LOG_PART = '/~';

export interface S3RunStoreOptions {
  bucket: string;
  /** Key prefix of the store inside the bucket (no leading or trailing slash); empty: the bucket's root. */
  prefix?: string;
  client?: S3Client;
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000); smaller pages exercise pagination. */
  listPageSize?: number;
}

/**
 * The run store as objects in an S3-compatible bucket, `s3://<bucket>/<prefix>/<campaign>/round-<n>/...`, for
 * workers on several hosts. Every write is one whole object (a PUT, or a multipart upload that appears only
 * when complete), so readers see the old content or the new one. Each object carries the sha256 of its
 * content in its metadata (`x-amz-meta-sha256`), which references repeat. JSONL is written and read as a
 * stream: a big dataset is never held in memory (over 5 MiB it is spooled to a temporary file, then uploaded
 * in parts).
 */
export class S3RunStore implements RunStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly listPageSize: number | undefined;
  private logSeq = 0;
  private readonly writerId = randomBytes(4).toString('hex');

  constructor(opts: S3RunStoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.client = opts.client ?? new S3Client(s3ClientConfigFromEnv());
    this.listPageSize = opts.listPageSize;
  }

  /** `s3://bucket/prefix`: the store's own URL. */
  get url(): string {
    return `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
  }

  private key(relPath: string): string {
    const rel = normalizeRelPath(relPath);
    return this.prefix ? `${this.prefix}/${rel}` : rel;
  }

  uriFor(relPath: string): string {
    return `s3://${this.bucket}/${this.key(relPath)}`;
  }

  relPathOf(ref: Located | string): string {
    const uri = typeof ref === 'string' ? ref : ref.uri;
    const root = `${this.url}/`;
    if (!uri.startsWith(root) || uri.length === root.length) {
      throw new UserError(`run store: ${uri} is not an object of the run store ${this.url}`);
    }
    return normalizeRelPath(uri.slice(root.length));
  }

  async writeFileAtomic(relPath: string, data: WriteData): Promise<StoredFile> {
    const body = await spool(typeof data === 'string' || data instanceof Uint8Array ? [data] : data);
    try {
      await this.put(this.key(relPath), body);
    } finally {
      await body.cleanup();
    }
    return { uri: this.uriFor(relPath), sha256: body.sha256, bytes: body.bytes };
  }

  async writeJsonAtomic(relPath: string, value: unknown): Promise<StoredFile> {
    return this.writeFileAtomic(relPath, JSON.stringify(value, null, 2) + '\n');
  }

  async writeJsonl(relPath: string, rows: Rows): Promise<Required<Ref>> {
    const counted = { count: 0 };
    const written = await this.writeFileAtomic(relPath, jsonlChunks(rows, relPath, counted));
    return { ...written, count: counted.count };
  }

  async *iterJsonl<T = unknown>(ref: Located, options: JsonlReadOptions<T> = {}): AsyncGenerator<T> {
    const rel = this.relPathOf(ref);
    const body = await this.get(rel, options.start ? `bytes=${options.start}-` : undefined);
    yield* decodeJsonlLines<T>(streamLines(body), jsonlWhere(ref.uri, options), options);
  }

  async readJsonl<T = unknown>(ref: Located, options?: JsonlReadOptions<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const row of this.iterJsonl<T>(ref, options)) out.push(row);
    return out;
  }

  async read(relPath: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(relPath)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async readJson<T = unknown>(relPath: string): Promise<T> {
    const text = (await this.read(relPath)).toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new UserError(`${this.uriFor(relPath)}: not valid JSON (${(err as Error).message})`);
    }
  }

  async exists(relPath: string): Promise<boolean> {
    if ((await this.head(relPath)) !== undefined) return true;
    // An append-only log is no object itself, only its lines are.
    return (await this.logKeys(relPath, 1)).length > 0;
  }

  async list(prefix = ''): Promise<string[]> {
    const rel = prefix === '' ? '' : normalizeRelPath(prefix, { allowTrailingSlash: true });
    const root = this.prefix ? `${this.prefix}/` : '';
    const found = new Set<string>();
    const pages = paginateListObjectsV2({ client: this.client, ...(this.listPageSize ? { pageSize: this.listPageSize } : {}) }, { Bucket: this.bucket, Prefix: root + rel });
    try {
      for await (const page of pages) {
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.endsWith('/')) continue;
          const key = o.Key.slice(root.length);
          // The lines of an append-only log are listed once, as the log.
          const log = key.indexOf(LOG_PART);
          found.add(log >= 0 ? key.slice(0, log) : key);
        }
      }
    } catch (err) {
      throw s3Error(`cannot list ${this.url}/${rel}`, err);
    }
    return [...found].filter((p) => p.startsWith(rel)).sort();
  }

  async appendLine(relPath: string, line: string | object): Promise<void> {
    const text = typeof line === 'string' ? line : JSON.stringify(line);
    if (text.includes('\n')) throw new Error(`jsonl: a line appended to ${this.uriFor(relPath)} must not contain a newline`);
    // One object per line: an object store has no append, and a PUT is whole or absent, so nothing is torn.
    // Names sort by time, then by this writer's sequence; appenders on several hosts order by their clocks.
    const name = `${String(Date.now()).padStart(15, '0')}-${String(this.logSeq++).padStart(9, '0')}-${this.writerId}`;
    const body = await spool([text + '\n']);
    await this.put(`${this.key(relPath)}${LOG_PART}${name}`, body);
  }

  async *iterLog<T = unknown>(relPath: string, options: Omit<JsonlReadOptions<T>, 'start'> = {}): AsyncGenerator<T> {
    const keys = await this.logKeys(relPath);
    // Lines are numbered across the log, as in a file, so an error names `log:line` the same way.
    const lines = async function* (store: S3RunStore) {
      let n = 0;
      for (const k of keys) for await (const l of streamLines(await store.get(k))) yield { text: l.text, line: ++n, last: false };
    };
    yield* decodeJsonlLines<T>(lines(this), this.uriFor(relPath), options);
  }

  /** The store-relative keys of a log's lines, in append order (at most `limit` of them). */
  private async logKeys(relPath: string, limit = Infinity): Promise<string[]> {
    const root = this.prefix ? `${this.prefix}/` : '';
    const keys: string[] = [];
    try {
      const pageSize = Math.min(limit, this.listPageSize ?? 1000);
      const pages = paginateListObjectsV2({ client: this.client, pageSize }, { Bucket: this.bucket, Prefix: `${root}${normalizeRelPath(relPath)}${LOG_PART}` });
      for await (const page of pages) {
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key.slice(root.length));
        if (keys.length >= limit) break;
      }
    } catch (err) {
      throw s3Error(`cannot list the log ${this.uriFor(relPath)}`, err);
    }
    return keys.sort();
  }

  async source(ref: Ref | StoredFile): Promise<StoredSource> {
    const rel = this.relPathOf(ref);
    const head = await this.head(rel);
    if (!head) throw new UserError(`run store: ${ref.uri} does not exist`);
    return {
      uri: ref.uri,
      bytes: head.bytes,
      sha256: head.sha256 ?? ref.sha256,
      open: () => Readable.from(this.streamOf(rel)),
    };
  }

  async verify(ref: Ref | StoredFile): Promise<void> {
    const rel = this.relPathOf(ref);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of await this.get(rel)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== ref.sha256) {
      throw new UserError(`run store: ${ref.uri} changed since it was referenced (sha256 ${sha256}, expected ${ref.sha256})`);
    }
    if (ref.bytes !== undefined && bytes !== ref.bytes) {
      throw new UserError(`run store: ${ref.uri} has ${bytes} bytes, the reference says ${ref.bytes}`);
    }
  }

  /** Size and recorded digest of an object; undefined when there is none. */
  private async head(relPath: string): Promise<{ bytes: number; sha256?: string } | undefined> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(relPath) }));
      return { bytes: h.ContentLength ?? 0, sha256: h.Metadata?.sha256 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw s3Error(`cannot look up ${this.uriFor(relPath)}`, err);
    }
  }

  /** The object's body as a stream. */
  private async get(relPath: string, range?: string): Promise<Readable> {
    const key = this.key(relPath);
    const uri = `s3://${this.bucket}/${key}`;
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }));
      return res.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new UserError(`run store: ${uri} does not exist`);
      throw s3Error(`cannot read ${uri}`, err);
    }
  }

  private async *streamOf(relPath: string): AsyncGenerator<Buffer> {
    for await (const chunk of await this.get(relPath)) yield chunk as Buffer;
  }

  private async put(key: string, body: Spooled): Promise<void> {
    const Metadata = { sha256: body.sha256 };
    try {
      if (body.file === undefined) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body.buffer, ContentLength: body.bytes, Metadata }));
        return;
      }
      // Parts go up as they are read from the spool; the object appears only when the upload completes.
      await new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: key, Body: createReadStream(body.file), Metadata },
        partSize: PART_SIZE,
        queueSize: 2,
      }).done();
    } catch (err) {
      throw s3Error(`cannot write s3://${this.bucket}/${key}`, err);
    }
  }
}

/** A body ready to send, with its digest: in memory when small, else in a temporary file. */
interface Spooled {
  sha256: string;
  bytes: number;
  buffer?: Buffer;
  file?: string;
  cleanup(): Promise<void>;
}

/**
 * Reads `data` once, hashing it: the digest must be known before the upload starts (it goes in the object's
 * metadata), and a stream cannot be read twice. Past MEMORY_LIMIT the bytes go to a temporary file.
 */
async function spool(data: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>): Promise<Spooled> {
  const hash = createHash('sha256');
  let bytes = 0;
  let held: Buffer[] = [];
  let dir: string | undefined;
  let out: WriteStream | undefined;
  const cleanup = async () => {
    out?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    for await (const chunk of data as AsyncIterable<string | Uint8Array>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      hash.update(buf);
      bytes += buf.length;
      if (!out) {
        held.push(typeof chunk === 'string' ? buf : Buffer.from(buf));
        if (bytes <= MEMORY_LIMIT) continue;
        dir = await mkdtemp(path.join(os.tmpdir(), 'strawberry-s3-'));
        out = createWriteStream(path.join(dir, 'body'));
        for (const b of held) if (!out.write(b)) await once(out, 'drain');
        held = [];
      } else if (!out.write(buf)) await once(out, 'drain');
    }
    if (out) {
      out.end();
      await finished(out);
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  const sha256 = hash.digest('hex');
  return out ? { sha256, bytes, file: path.join(dir!, 'body'), cleanup } : { sha256, bytes, buffer: Buffer.concat(held), cleanup };
}

/**
 * The S3 client for this process, from the environment: `STRAWBERRY_S3_ENDPOINT` (any S3-compatible server;
 * path-style addressing then, as such servers expect), `AWS_REGION` (default us-east-1), and credentials from
 * `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`), else from the SDK's standard chain on
 * this host (`AWS_PROFILE`, web identity, an instance role): never from a config or a URL.
 */
export function s3ClientConfigFromEnv(env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new UserError(`run store: ${accessKeyId ? 'AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY' : 'AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID'}; set both (and AWS_SESSION_TOKEN for temporary credentials)`);
  }
  const endpoint = env.STRAWBERRY_S3_ENDPOINT?.trim() || undefined;
  if (endpoint) {
    let u: URL;
    try {
      u = new URL(endpoint);
    } catch {
      throw new UserError(`STRAWBERRY_S3_ENDPOINT: ${JSON.stringify(endpoint)} is not a URL (expected e.g. http://127.0.0.1:8333)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError(`STRAWBERRY_S3_ENDPOINT: ${endpoint} must be an http:// or https:// URL`);
    if (u.username || u.password) throw new UserError('STRAWBERRY_S3_ENDPOINT: credentials do not belong in the endpoint URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  // The SDK warns on Node 20 that its releases after January 2027 need Node 22; package-lock.json pins one
  // that runs on Node 20, so the warning says nothing a user can act on.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } } : {}),
    // Send checksums only where S3 requires them: S3-compatible servers do not all accept the SDK's default
    // CRC32 trailers (s3proxy answers 501). Integrity is ours anyway: sha256 in metadata and in references.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

function isNotFound(err: unknown): boolean {
  const e = err as S3ServiceException & { $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * An S3 failure as an error a person can act on. A missing bucket or refused credentials cannot be retried
 * away (UserError); anything else (network, throttling, 5xx) stays a plain Error, which activities retry.
 */
function s3Error(what: string, err: unknown): Error {
  const e = err as S3ServiceException & { $metadata?: { httpStatusCode?: number }; code?: string };
  const name = e?.name ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const detail = `${name}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(err)}`;
  if (name === 'CredentialsProviderError') {
    return new UserError(`run store: ${what}: no S3 credentials on this host; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or give the host a role) (${detail})`);
  }
  if (name === 'NoSuchBucket') return new UserError(`run store: ${what}: the bucket does not exist (${detail})`);
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'AccessDenied' || status === 403) {
    return new UserError(`run store: ${what}: access refused; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (${detail})`);
  }
  return new Error(`run store: ${what}: ${detail}`, { cause: err });
}
