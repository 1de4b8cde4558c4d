import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectClient } from '../../cli/campaigns';
import { connectClientConnection, connectWorkerConnection, describeTarget, targetFromEnv } from '../../cli/temporal/connection';
import { createWorkerPool } from '../../cli/temporal/worker';
import { healthCheckWorkflow } from '../../workflows/healthCheck';
import { repoRoot } from '../helpers/cli';
import { startGrpcTlsProxy, type GrpcTlsProxy } from '../helpers/grpcTlsProxy';
import { describeUnless } from '../helpers/skip';
import { testClient, testServerAddress, uniqueTaskQueue } from '../helpers/temporal';
import { makeTestPki, opensslUnavailable, type TestPki } from '../helpers/testCerts';
import { spawnWorkerProcess } from '../helpers/workerProcess';

/**
 * Temporal past the dev server: the settings of cli/temporal/connection.ts against a real TLS endpoint. The dev
 * server speaks plaintext only, so a node:http2 TLS front (tests/helpers/grpcTlsProxy.ts) stands before it,
 * requiring a client certificate (mTLS) or an API key the way a self-hosted cluster or Temporal Cloud does.
 */
const cliAsync = promisify(execFile);
const API_KEY = 'tmprl-test-key-5f0c2b9e7d1a4c3b';

describeUnless(opensslUnavailable())('Temporal over TLS', () => {
  let pki: TestPki;
  let mtls: GrpcTlsProxy;
  let keyed: GrpcTlsProxy;
  const tlsEnv = (over: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    TEMPORAL_ADDRESS: mtls.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca,
    TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
    TEMPORAL_TLS_SERVER_NAME: pki.serverName,
    ...over,
  });
  const keyEnv = (over: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    TEMPORAL_ADDRESS: keyed.address,
    TEMPORAL_API_KEY: API_KEY,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.ca,
    TEMPORAL_TLS_SERVER_NAME: pki.serverName,
    ...over,
  });

  beforeAll(async () => {
    pki = makeTestPki(mkdtempSync(path.join(os.tmpdir(), 'strawberry-pki-')));
    mtls = await startGrpcTlsProxy({ upstream: testServerAddress(), cert: pki.serverCert, key: pki.serverKey, clientCa: pki.ca });
    keyed = await startGrpcTlsProxy({ upstream: testServerAddress(), cert: pki.serverCert, key: pki.serverKey, apiKey: API_KEY });
  });
  afterAll(async () => {
    await mtls?.close();
    await keyed?.close();
  });

  it('a client and a worker connect with mTLS and run a workflow through it', async () => {
    const target = targetFromEnv(tlsEnv())!;
    expect(describeTarget(target)).toBe(`${mtls.address} (namespace default, mTLS)`);
    const taskQueue = uniqueTaskQueue('tls');
    const pool = await createWorkerPool(target, { taskQueue, name: 'tls-test' });
    const running = pool.run();
    const { client, connection } = await connectClient(target);
    try {
      const before = mtls.counts.streams;
      const reply = await client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId: `${taskQueue}-hc`, args: ['over mTLS'] });
      expect(reply).toMatch(/^workflow saw: pong\(over mTLS\)/);
      expect(mtls.counts.streams).toBeGreaterThan(before);
      // The history records the worker's identity, host and name included.
      const history = await client.workflow.getHandle(`${taskQueue}-hc`).fetchHistory();
      const started = history.events!.find((e) => e.activityTaskStartedEventAttributes)!;
      expect(started.activityTaskStartedEventAttributes!.identity).toBe(`${process.pid}@${os.hostname()}/tls-test`);
    } finally {
      pool.shutdown();
      await running;
      await pool.connection.close();
      await connection.close();
    }
  }, 120_000);

  it('a CA that did not sign the server certificate fails as a TLS handshake, for the client and the worker', async () => {
    const target = targetFromEnv(tlsEnv({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.otherCa }))!;
    const expected = /^TLS handshake with the Temporal server at 127\.0\.0\.1:\d+ \(TEMPORAL_ADDRESS\) failed: .*certificate.*Check TEMPORAL_TLS_SERVER_CA_CERT_PATH/;
    await expect(connectClientConnection(target, { connectTimeout: 3_000 })).rejects.toThrow(expected);
    await expect(connectWorkerConnection(target)).rejects.toThrow(expected);
    // Plaintext against a TLS port says so, instead of a bare deadline.
    const plain = targetFromEnv({ TEMPORAL_ADDRESS: mtls.address })!;
    await expect(connectWorkerConnection(plain)).rejects.toThrow(/in plaintext: it speaks TLS\. Set TEMPORAL_TLS=true/);
  }, 60_000);

  it('no client certificate where the server wants one fails as a TLS handshake', async () => {
    const env = tlsEnv();
    delete env.TEMPORAL_TLS_CLIENT_CERT_PATH;
    delete env.TEMPORAL_TLS_CLIENT_KEY_PATH;
    const target = targetFromEnv(env)!;
    expect(describeTarget(target)).toMatch(/, TLS\)$/);
    await expect(connectClientConnection(target, { connectTimeout: 3_000 })).rejects.toThrow(/^TLS handshake with .* failed: .*certificate required\. The server refused the client certificate, or got none/);
    await expect(connectWorkerConnection(target)).rejects.toThrow(/^TLS handshake with .* failed: .*certificate required\. The server refused the client certificate, or got none/);
  }, 60_000);

  it('a CLI worker and the CLI send the API key (TLS on by it) and never print it', async () => {
    const { client: plain, connection: plainConnection } = await testClient();
    const taskQueue = uniqueTaskQueue('apikey');
    const runsDir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-apikey-runs-'));
    const worker = spawnWorkerProcess({ taskQueue, runsDir, client: plain, env: keyEnv(), identity: 'keyed' });
    try {
      await worker.ready;
      const target = targetFromEnv(keyEnv())!;
      expect(describeTarget(target)).toBe(`${keyed.address} (namespace default, TLS + API key)`);
      const { client, connection } = await connectClient(target);
      try {
        const reply = await client.workflow.execute(healthCheckWorkflow, { taskQueue, workflowId: `${taskQueue}-hc`, args: ['with a key'] });
        expect(reply).toMatch(/^workflow saw: pong\(with a key\)/);
      } finally {
        await connection.close();
      }
      expect(keyed.counts.authorized).toBeGreaterThan(0);
      expect(keyed.counts.refused).toBe(0);

      // The campaign commands go through the same settings.
      const list = await cliAsync(process.execPath, [path.join(repoRoot, 'bin/strawberry.js'), 'list'], { cwd: repoRoot, env: { ...process.env, ...keyEnv() } });
      expect(list.stderr).not.toContain(API_KEY);
      expect(list.stdout).not.toContain(API_KEY);
    } finally {
      await worker.stop();
      await plainConnection.close();
    }
    expect(worker.output()).toMatch(new RegExp(`Worker ${worker.pid}@\\S+/keyed on 127\\.0\\.0\\.1:\\d+ \\(namespace default, TLS \\+ API key\\)`));
    expect(worker.output()).not.toContain(API_KEY);
  }, 180_000);

  it('a wrong API key is refused with a message that names TEMPORAL_API_KEY, not the key', async () => {
    const wrong = 'tmprl-wrong-key-0123456789abcdef';
    const target = targetFromEnv(keyEnv({ TEMPORAL_API_KEY: wrong }))!;
    const refusedBefore = keyed.counts.refused;
    const attempts = [() => connectClientConnection(target, { connectTimeout: 3_000 }), () => connectWorkerConnection(target)];
    for (const attempt of attempts) {
      const err = await attempt().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/refused the credentials \(TEMPORAL_API_KEY\)/);
      expect(err?.message).not.toContain(wrong);
    }
    expect(keyed.counts.refused).toBeGreaterThan(refusedBefore);
  }, 60_000);

  it('a TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) gives the same settings; the environment overrides it', async () => {
    const file = path.join(pki.dir, 'temporal.toml');
    writeFileSync(
      file,
      [
        '[profile.prod]',
        `address = "${mtls.address}"`,
        'namespace = "default"',
        '[profile.prod.tls]',
        `server_ca_cert_path = "${pki.ca}"`,
        `client_cert_path = "${pki.clientCert}"`,
        `client_key_path = "${pki.clientKey}"`,
        `server_name = "${pki.serverName}"`,
        '[profile.broken.tls]',
        'client_cert_path = "/no/such/cert.pem"',
        'client_key_path = "/no/such/key.pem"',
        '',
      ].join('\n'),
    );
    const target = targetFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' })!;
    expect(target.source).toBe(`address of profile "prod" in ${file}`);
    expect(describeTarget(target)).toBe(`${mtls.address} (namespace default, mTLS)`);
    const connection = await connectClientConnection(target);
    await connection.close();
    expect(targetFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other' })!.namespace).toBe('other');
    expect(() => targetFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'broken', TEMPORAL_ADDRESS: mtls.address })).toThrow(
      `tls.client_cert_path of profile "broken" in ${file}: cannot read /no/such/cert.pem (no such file)`,
    );
    expect(() => targetFromEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' })).toThrow(`Temporal profile "staging" in ${file} (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE): Profile 'staging' not found`);
    expect(() => targetFromEnv({ TEMPORAL_CONFIG_FILE: path.join(pki.dir, 'none.toml') })).toThrow(/TEMPORAL_CONFIG_FILE=.*none\.toml: no such file/);
    // Without either variable no profile file is read: the demo still starts its own dev server.
    expect(targetFromEnv({ HOME: pki.dir })).toBeUndefined();
  });

  it('a certificate file that is not there names the variable and the path', () => {
    expect(() => targetFromEnv(tlsEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/no/such/client.pem' }))).toThrow(
      'TEMPORAL_TLS_CLIENT_CERT_PATH=/no/such/client.pem: cannot read /no/such/client.pem (no such file); expected a PEM certificate file',
    );
    expect(() => targetFromEnv(tlsEnv({ TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientCert }))).toThrow(/TEMPORAL_TLS_CLIENT_KEY_PATH=.*client\.pem: not a PEM private key/);
    expect(() => targetFromEnv(tlsEnv({ TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(pki.dir, 'server.key') }))).toThrow(/client certificate .* and the client key .* do not belong together/);
  });
});
