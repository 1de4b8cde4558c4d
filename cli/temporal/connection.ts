import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import tls from 'node:tls';
import { Connection, type ConnectionOptions, type TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, type ClientConfigProfile, type ConfigDataSource } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { EnvironmentError, UserError } from '../../lib/errors';
import { redact } from '../../lib/providers/redact';

/**
 * Where a client or a worker finds Temporal, and how it proves who it is: one place for both the client's
 * `Connection` and the worker's `NativeConnection`. The settings are the Temporal CLI's and SDKs' environment
 * configuration (read by @temporalio/envconfig): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH
 * (or their *_DATA forms), TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_<NAME>; and a TOML profile
 * (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) under them. The profile file is read only when one of those two is
 * set, so a Temporal CLI profile in ~/.config/temporalio does not silently turn the demo into a cloud campaign.
 *
 * The API key and the private key are secrets: they stay in this object, in memory; `describeTarget` names
 * their source, never their value, and connection errors are redacted.
 */
export interface TemporalTarget {
  address: string;
  namespace: string;
  /** undefined: plaintext (a dev server); true: TLS with the system's CAs; an object: a CA, a client pair, a name. */
  tls?: TLSConfig | true;
  apiKey?: string;
  /** Extra gRPC headers (TEMPORAL_GRPC_META_*). */
  metadata?: Record<string, string>;
  /** Where the settings came from, for messages (`TEMPORAL_ADDRESS`, `profile "prod" of /etc/temporal.toml`). */
  source?: string;
}

/** Names the Temporal CLI used before environment configuration; set, they would be silently ignored. */
const OLD_NAMES: Record<string, string> = {
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_CLI_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  TEMPORAL_CLI_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_CLI_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
};

/** The server the environment names, or undefined when neither TEMPORAL_ADDRESS nor a profile gives an address. */
export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalTarget | undefined {
  for (const [old, name] of Object.entries(OLD_NAMES)) {
    if (env[old] !== undefined) throw new UserError(`${old} is not read: the Temporal CLI and SDKs call it ${name}; set that instead`);
  }
  if (env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === 'true' || env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION === '1') {
    throw new UserError('TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported by the TypeScript SDK; set TEMPORAL_TLS_SERVER_NAME to the name in the server certificate instead');
  }
  const file = profileFile(env);
  const profileName = env.TEMPORAL_PROFILE ?? 'default';
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({
      overrideEnvVars: env as Record<string, string>,
      disableFile: file === undefined,
      ...(file ? { configSource: { path: file } } : {}),
      ...(env.TEMPORAL_PROFILE ? { profile: env.TEMPORAL_PROFILE } : {}),
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UserError(`Temporal profile "${profileName}" in ${file} (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE): ${why}`);
  }
  if (!profile.address) return undefined;
  const from = (variable: string, tomlKey: string) => (env[variable] !== undefined ? variable : `${tomlKey} of profile "${profileName}" in ${file}`);
  const source = from('TEMPORAL_ADDRESS', 'address');

  const t = profile.tls;
  let tlsConfig: TLSConfig | true | undefined;
  if (t?.disabled) tlsConfig = undefined;
  else if (t && (t.serverCACert || t.clientCert || t.clientKey || t.serverName)) {
    // Each setting named as the user wrote it: the variable (with its path), or the key of the profile file.
    const origin = (prefix: string, tomlKey: string, src: ConfigDataSource | undefined) => {
      const kind = src && 'data' in src ? 'DATA' : 'PATH';
      const variable = `${prefix}_${kind}`;
      if (env[variable] !== undefined) return kind === 'PATH' ? `${variable}=${env[variable]}` : variable;
      return from(variable, `${tomlKey}_${kind.toLowerCase()}`);
    };
    const where = {
      ca: origin('TEMPORAL_TLS_SERVER_CA_CERT', 'tls.server_ca_cert', t.serverCACert),
      cert: origin('TEMPORAL_TLS_CLIENT_CERT', 'tls.client_cert', t.clientCert),
      key: origin('TEMPORAL_TLS_CLIENT_KEY', 'tls.client_key', t.clientKey),
    };
    if (!t.clientCert !== !t.clientKey) {
      throw new UserError(
        t.clientCert
          ? `${where.cert} gives a client certificate but no client key: set TEMPORAL_TLS_CLIENT_KEY_PATH too`
          : `${where.key} gives a client key but no client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH too`,
      );
    }
    const ca = t.serverCACert ? readPem(t.serverCACert, where.ca, 'certificate') : undefined;
    const crt = t.clientCert ? readPem(t.clientCert, where.cert, 'certificate') : undefined;
    const key = t.clientKey ? readPem(t.clientKey, where.key, 'key') : undefined;
    if (crt && key && !new X509Certificate(crt).checkPrivateKey(createPrivateKey(key))) {
      throw new UserError(`the client certificate (${where.cert}) and the client key (${where.key}) do not belong together`);
    }
    tlsConfig = {
      ...(ca ? { serverRootCACertificate: ca } : {}),
      ...(crt && key ? { clientCertPair: { crt, key } } : {}),
      ...(t.serverName ? { serverNameOverride: t.serverName } : {}),
    };
  } else if (t?.disabled === false || profile.apiKey) {
    // TEMPORAL_TLS=true, or an API key (Temporal Cloud): TLS against the system's CAs, as the SDK does.
    tlsConfig = true;
  }
  return {
    address: profile.address,
    namespace: profile.namespace ?? 'default',
    ...(tlsConfig ? { tls: tlsConfig } : {}),
    ...(profile.apiKey ? { apiKey: profile.apiKey } : {}),
    ...(profile.grpcMeta && Object.keys(profile.grpcMeta).length ? { metadata: profile.grpcMeta } : {}),
    source,
  };
}

/** The profile file to read: TEMPORAL_CONFIG_FILE, or with TEMPORAL_PROFILE alone the Temporal CLI's default file. */
function profileFile(env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env.TEMPORAL_CONFIG_FILE;
  if (explicit) {
    if (!existsSync(explicit)) throw new UserError(`TEMPORAL_CONFIG_FILE=${explicit}: no such file (a TOML file of Temporal client profiles)`);
    return explicit;
  }
  if (!env.TEMPORAL_PROFILE) return undefined;
  const home = env.XDG_CONFIG_HOME ?? (env.HOME ? `${env.HOME}/.config` : undefined);
  const file = home ? `${home}/temporalio/temporal.toml` : undefined;
  if (!file || !existsSync(file)) {
    throw new UserError(`TEMPORAL_PROFILE=${env.TEMPORAL_PROFILE} is set but there is no profile file (${file ?? '~/.config/temporalio/temporal.toml'}); set TEMPORAL_CONFIG_FILE to it`);
  }
  return file;
}

/** A PEM file or inline PEM, checked here so a wrong path or a wrong file is named now, not as a TLS error later. */
function readPem(source: ConfigDataSource, origin: string, what: 'certificate' | 'key'): Buffer {
  let pem: Buffer;
  if ('path' in source) {
    try {
      pem = readFileSync(source.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(`${origin}: cannot read ${source.path} (${code === 'ENOENT' ? 'no such file' : code ?? String(err)}); expected a PEM ${what} file`);
    }
  } else {
    pem = Buffer.from(source.data);
  }
  try {
    if (what === 'certificate') new X509Certificate(pem);
    else createPrivateKey(pem);
  } catch {
    throw new UserError(`${origin}: not a PEM ${what === 'key' ? 'private key' : 'certificate'} (expected "-----BEGIN ${what === 'key' ? 'PRIVATE KEY' : 'CERTIFICATE'}-----")`);
  }
  return pem;
}

/** The address the environment names; a missing one says how to get one. */
export function requireTargetFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const target = targetFromEnv(env);
  if (!target) {
    throw new EnvironmentError(
      'TEMPORAL_ADDRESS is not set. Run `strawberry dev` in another terminal (it prints the address), then set ' +
        'TEMPORAL_ADDRESS=<host:port> (and TEMPORAL_NAMESPACE if not "default") here; for a cluster with TLS or an API key see docs/deploy.md.',
    );
  }
  return target;
}

/** One line for people: where, which namespace, how it authenticates; never a secret's value. */
export function describeTarget(t: TemporalTarget): string {
  const how = [
    t.tls === undefined ? 'plaintext' : typeof t.tls === 'object' && t.tls.clientCertPair ? 'mTLS' : 'TLS',
    ...(t.apiKey ? ['API key'] : []),
  ];
  return `${t.address} (namespace ${t.namespace}, ${how.join(' + ')})`;
}

/** Options of the client's Connection (grpc-js). */
export function clientConnectionOptions(t: TemporalTarget, extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
  return { address: t.address, ...(t.tls ? { tls: t.tls } : {}), ...(t.apiKey ? { apiKey: t.apiKey } : {}), ...(t.metadata ? { metadata: t.metadata } : {}), ...extra };
}

/** Options of the worker's NativeConnection (Rust core): the same settings. */
export function workerConnectionOptions(t: TemporalTarget): NativeConnectionOptions {
  return { address: t.address, ...(t.tls ? { tls: t.tls } : {}), ...(t.apiKey ? { apiKey: t.apiKey } : {}), ...(t.metadata ? { metadata: t.metadata } : {}) };
}

export async function connectClientConnection(t: TemporalTarget, extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  try {
    return await Connection.connect(clientConnectionOptions(t, { connectTimeout: 10_000, ...extra }));
  } catch (err) {
    throw await connectError(t, err);
  }
}

export async function connectWorkerConnection(t: TemporalTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(workerConnectionOptions(t));
  } catch (err) {
    throw await connectError(t, err);
  }
}

/**
 * Says why a connection failed: the TLS handshake (checked again with node:tls, since gRPC clients often report
 * only "unavailable"), credentials the server refused, or a server that does not answer.
 */
export async function connectError(t: TemporalTarget, err: unknown): Promise<EnvironmentError> {
  // The SDK wraps the gRPC error ("Failed to connect to Temporal server", cause: the status): read the chain.
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  const message = redact(chain.map((e) => (e instanceof Error ? e.message : String(e))).join(': '), t.apiKey);
  const where = `the Temporal server at ${t.address}${t.source ? ` (${t.source})` : ''}`;
  const code = chain.map((e) => (e as { code?: unknown }).code).find((c): c is number => typeof c === 'number');
  if (code === 16 || code === 7 || /unauthenticated|unauthorized|permission denied/i.test(message)) {
    return new EnvironmentError(`${where} refused the credentials (${t.apiKey ? 'TEMPORAL_API_KEY' : 'no API key set'}${typeof t.tls === 'object' && t.tls.clientCertPair ? ', the client certificate' : ''}): ${message}`);
  }
  if (!t.tls && (await speaksTls(t.address))) {
    return new EnvironmentError(
      `Cannot reach ${where} in plaintext: it speaks TLS. Set TEMPORAL_TLS=true (a certificate from a public CA), or TEMPORAL_TLS_SERVER_CA_CERT_PATH ` +
        '(and TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH for mTLS), or TEMPORAL_API_KEY for Temporal Cloud',
    );
  }
  if (t.tls) {
    const handshake = await tlsHandshakeError(t);
    if (handshake) {
      const hint =
        handshake.hint ??
        'Check TEMPORAL_TLS_SERVER_CA_CERT_PATH (the CA that signed the server\'s certificate), TEMPORAL_TLS_SERVER_NAME (a name in that certificate), ' +
          'and TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH where the server wants a client certificate';
      return new EnvironmentError(`TLS handshake with ${where} failed: ${handshake.reason}. ${hint}`);
    }
  }
  return new EnvironmentError(`Cannot reach ${where}: ${message}`);
}

/** A TLS handshake of our own with the same CA, client pair and name: its error, or undefined when it succeeds. */
export function tlsHandshakeError(t: TemporalTarget, timeoutMs = 5_000): Promise<HandshakeFailure | undefined> {
  const cfg = typeof t.tls === 'object' ? t.tls : {};
  const { host, port } = splitAddress(t.address);
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      servername: cfg.serverNameOverride ?? (/^[\d.]+$|:/.test(host) ? undefined : host),
      ...(cfg.serverRootCACertificate ? { ca: Buffer.from(cfg.serverRootCACertificate) } : {}),
      ...(cfg.clientCertPair ? { cert: Buffer.from(cfg.clientCertPair.crt), key: Buffer.from(cfg.clientCertPair.key) } : {}),
      ALPNProtocols: ['h2'],
      timeout: timeoutMs,
    });
    const done = (why: HandshakeFailure | undefined) => {
      socket.destroy();
      resolve(why);
    };
    // TLS 1.3 reports a refused client certificate only after the handshake: wait briefly for the server's alert.
    socket.once('secureConnect', () => setTimeout(() => done(undefined), 300));
    socket.once('error', (e: NodeJS.ErrnoException) => done(handshakeReason(e)));
    socket.once('timeout', () => done(undefined));
  });
}

interface HandshakeFailure {
  reason: string;
  /** What to do, where the reason says it. */
  hint?: string;
}

/** OpenSSL's "...:SSL routines:<fn>:<reason>:<file>:<line>" cut to the reason, with what it means where that is known. */
function handshakeReason(e: NodeJS.ErrnoException): HandshakeFailure {
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(e.message)?.[1] ?? e.message;
  if (/alert/.test(reason) && /certificate required|handshake failure|bad certificate|unknown ca/.test(reason)) {
    return { reason, hint: 'The server refused the client certificate, or got none: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH to a pair its CA signed' };
  }
  if (/wrong version number|packet length too long|http request/.test(reason)) {
    return { reason, hint: 'The server does not speak TLS there: unset TEMPORAL_TLS and the TLS settings for a plaintext server, or check the port' };
  }
  return { reason: e.code && !reason.includes(e.code) ? `${reason} (${e.code})` : reason };
}

/** Whether the server answers a TLS handshake (certificate unchecked): a plaintext client then gets a hint. */
function speaksTls(address: string, timeoutMs = 3_000): Promise<boolean> {
  const { host, port } = splitAddress(address);
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['h2'], timeout: timeoutMs });
    const done = (yes: boolean) => {
      socket.destroy();
      resolve(yes);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address);
  return { host: m?.[1] ?? address, port: m?.[2] ? Number(m[2]) : 7233 };
}
