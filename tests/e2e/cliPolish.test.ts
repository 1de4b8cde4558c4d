import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasStackTrace, repoRoot, runCli } from '../helpers/cli';
import { itUnless } from '../helpers/skip';
import { testClient, testServerAddress } from '../helpers/temporal';

/**
 * Bad inputs found by a sweep of the CLI: each exits 2 with a message naming the input (130 for Ctrl-C),
 * never with a stack trace, and never hangs.
 */
const fixture = (f: string) => path.join(repoRoot, 'tests/fixtures/bad-inputs', f);
const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), `strawberry-${prefix}-`));
/** No Temporal CLI here: the checks under test run before one is needed. */
const noServerEnv = (): NodeJS.ProcessEnv => ({ ...process.env, TEMPORAL_ADDRESS: '', STRAWBERRY_HOME: tmp('home'), STRAWBERRY_NO_DOWNLOAD: '1' });

function expectUserError(res: ReturnType<typeof runCli>, pattern: RegExp): void {
  expect(res.error).toBeUndefined(); // not killed by the timeout
  expect(hasStackTrace(res.stderr)).toBe(false);
  expect(res.stderr).toMatch(pattern);
  expect(res.status).toBe(2);
}

describe('CLI bad-input sweep', () => {
  it('a YAML alias bomb is refused with a message naming the file', () => {
    expectUserError(runCli(['validate', fixture('curriculum-alias-bomb.yaml')]), /curriculum-alias-bomb\.yaml: invalid YAML: its aliases .* expand too much/);
  });

  it('an impossible generator count is rejected, naming file, line and field', () => {
    expectUserError(
      runCli(['validate', fixture('curriculum-impossible-count.yaml')], { timeoutMs: 60_000 }),
      /curriculum-impossible-count\.yaml:7 levels\[0\]\.source\.count: these options give only 81 distinct problems/,
    );
  });

  it('startLevel beyond the curriculum is rejected by validate and by start', () => {
    const pattern = /config-start-level\.yaml:13 startLevel: level 99 is beyond the curriculum .*arithmetic\.yaml, which has 7 levels \(0-6\)/;
    expectUserError(runCli(['validate', fixture('config-start-level.yaml')]), pattern);
    // start checks it before it needs a server or a key
    expectUserError(runCli(['start', fixture('config-start-level.yaml')], { env: { ...noServerEnv(), TEMPORAL_ADDRESS: '127.0.0.1:9' } }), pattern);
  });

  it('dev --db under a non-directory names the path', () => {
    const dir = tmp('db');
    writeFileSync(path.join(dir, 'file'), '');
    const db = path.join(dir, 'file', 't.db');
    expectUserError(runCli(['dev', '--db', db], { env: noServerEnv() }), new RegExp(`${path.join(dir, 'file').replace(/[.]/g, '\\.')} is not a directory`));
  });

  it('dev --db under /proc does not hang', () => {
    expectUserError(runCli(['dev', '--db', '/proc/x/t.db'], { env: noServerEnv(), timeoutMs: 60_000 }), /\/proc\/x\/t\.db: .*cannot create \/proc\/x/);
  });

  // A read-only file system needs a read-only mount: a private mount namespace where this runs as root.
  const canMountReadOnly = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -o remount,ro,bind /tmp /tmp 2>/dev/null || mount --bind /tmp /tmp && mount -o remount,ro,bind /tmp /tmp'], { encoding: 'utf8' }).status === 0;
  itUnless(canMountReadOnly ? undefined : 'a read-only bind mount needs root in a private mount namespace (unshare -m)')('start with a read-only run store says so (EROFS), not ENOENT', () => {
    const ro = tmp('ro');
    const runs = path.join(ro, 'runs');
    const cmd = [
      `mount --bind ${ro} ${ro} && mount -o remount,ro,bind ${ro} ${ro}`,
      `&& exec ${JSON.stringify(process.execPath)} ${path.join(repoRoot, 'bin/strawberry.js')} start config/demo.yaml`,
    ].join(' ');
    const res = spawnSync('unshare', ['-m', 'sh', '-c', cmd], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...noServerEnv(), TEMPORAL_ADDRESS: '127.0.0.1:9', STRAWBERRY_RUNS_DIR: runs, STRAWBERRY_SIM_URL: 'http://127.0.0.1:9/v1', STRAWBERRY_SIM_KEY: 'k' },
    });
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.stderr).toMatch(new RegExp(`run store .*${runs.replace(/[.]/g, '\\.')}.*read-only file system, EROFS`));
    expect(res.stderr).not.toMatch(/ENOENT/);
    expect(res.status).toBe(2);
  });

  it('a worker for an unknown namespace names it', () => {
    const res = runCli(['worker'], { env: { ...process.env, TEMPORAL_ADDRESS: testServerAddress(), TEMPORAL_NAMESPACE: 'no-such-namespace' }, timeoutMs: 90_000 });
    expectUserError(res, /namespace "no-such-namespace" .*not found/i);
  });

  it('Ctrl-C of the demo says "interrupted", terminates its campaign and exits 130', async () => {
    const name = `demo-int-${Date.now().toString(36)}`;
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/strawberry.js'), 'demo', '--name', name], {
      cwd: repoRoot,
      env: { ...process.env, TEMPORAL_ADDRESS: testServerAddress(), STRAWBERRY_RUNS_DIR: tmp('int-runs'), STRAWBERRY_HOME: tmp('int-home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (!/Running campaign/.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    expect(stdout).toMatch(/Running campaign/);
    child.kill('SIGINT');
    const code = await exited;
    expect(hasStackTrace(stderr)).toBe(false);
    expect(stderr).toMatch(/interrupted: demo campaign .* terminated/);
    expect(code).toBe(130);
    const { client, connection } = await testClient();
    try {
      const d = await client.workflow.getHandle(`campaign/${name}`).describe();
      expect(d.status.name).toBe('TERMINATED');
    } finally {
      await connection.close();
    }
  });
});
