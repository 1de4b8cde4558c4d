import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/** What a test needs to reach the S3-compatible server of scripts/s3-up.sh: its environment and bucket. */
export interface TestS3 {
  /** STRAWBERRY_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, STRAWBERRY_RUN_STORE. */
  env: Record<string, string>;
  bucket: string;
}

let started: { s3?: TestS3; reason?: string } | undefined;

/**
 * Brings up the S3-compatible server (scripts/s3-up.sh, idempotent) once per test process and returns its
 * environment, or the reason it could not start (no Java, no Maven, a busy port): the suite is then skipped
 * with that reason, listed at the end of the run; STRAWBERRY_REQUIRE_S3=1 (CI) makes it fail the run instead.
 */
export function testS3(): { s3?: TestS3; reason?: string } {
  if (started) return started;
  const r = spawnSync(path.join(root, 'scripts', 's3-up.sh'), [], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    const reason = `scripts/s3-up.sh could not start the S3-compatible server: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' / ')}`;
    if (process.env.STRAWBERRY_REQUIRE_S3 === '1') throw new Error(`${reason}. STRAWBERRY_REQUIRE_S3=1, so this fails the run.`);
    return (started = { reason });
  }
  const env: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) env[m[1]!] = m[2]!;
  const bucket = /^s3:\/\/([^/]+)/.exec(env.STRAWBERRY_RUN_STORE ?? '')?.[1];
  if (!bucket) throw new Error(`scripts/s3-up.sh printed no STRAWBERRY_RUN_STORE: ${r.stdout}`);
  return (started = { s3: { env, bucket } });
}

/** Sets the server's environment in this process (the S3 client reads endpoint and credentials from it). */
export function useTestS3Env(s3: TestS3): void {
  for (const [k, v] of Object.entries(s3.env)) if (k !== 'STRAWBERRY_RUN_STORE') process.env[k] = v;
}

/** A fresh store URL in the test bucket, so runs and tests never see each other's objects. */
export function freshS3Url(s3: TestS3, label: string): string {
  return `s3://${s3.bucket}/test/${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
