import { describeTarget, requireTargetFromEnv, targetFromEnv } from '../../../cli/temporal/connection';
import { EnvironmentError, UserError } from '../../../lib/errors';

/** The settings alone (no server: tests/integration/temporalTls.test.ts connects with them). */
describe('Temporal connection settings from the environment', () => {
  it('no address: none (the demo starts its dev server); required, it says how to get one', () => {
    expect(targetFromEnv({})).toBeUndefined();
    expect(() => requireTargetFromEnv({})).toThrow(EnvironmentError);
    expect(() => requireTargetFromEnv({})).toThrow(/TEMPORAL_ADDRESS is not set\. Run `strawberry dev`/);
  });

  it('plaintext by default; an API key turns TLS on (Temporal Cloud); TEMPORAL_TLS=false turns it off', () => {
    expect(targetFromEnv({ TEMPORAL_ADDRESS: 'h:7233' })).toEqual({ address: 'h:7233', namespace: 'default', source: 'TEMPORAL_ADDRESS' });
    const cloud = targetFromEnv({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'secret-key-value' })!;
    expect(cloud).toMatchObject({ tls: true, apiKey: 'secret-key-value', namespace: 'ns.acct' });
    expect(describeTarget(cloud)).toBe('ns.acct.tmprl.cloud:7233 (namespace ns.acct, TLS + API key)');
    expect(describeTarget(cloud)).not.toContain('secret-key-value');
    expect(targetFromEnv({ TEMPORAL_ADDRESS: 'h:1', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })!.tls).toBeUndefined();
    expect(targetFromEnv({ TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS: 'true' })!.tls).toBe(true);
  });

  it('gRPC headers from TEMPORAL_GRPC_META_*', () => {
    expect(targetFromEnv({ TEMPORAL_ADDRESS: 'h:1', TEMPORAL_GRPC_META_X_TENANT: 'a' })!.metadata).toEqual({ 'x-tenant': 'a' });
  });

  it('refuses the names that would be ignored, and half a client pair', () => {
    expect(() => targetFromEnv({ TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS_CERT: '/c.pem' })).toThrow('TEMPORAL_TLS_CERT is not read: the Temporal CLI and SDKs call it TEMPORAL_TLS_CLIENT_CERT_PATH; set that instead');
    expect(() => targetFromEnv({ TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS_CLIENT_CERT_PATH: '/c.pem' })).toThrow(/TEMPORAL_TLS_CLIENT_CERT_PATH=\/c\.pem gives a client certificate but no client key/);
    expect(() => targetFromEnv({ TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toThrow(UserError);
    expect(() => targetFromEnv({ TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'not pem' })).toThrow('TEMPORAL_TLS_SERVER_CA_CERT_DATA: not a PEM certificate');
  });
});
