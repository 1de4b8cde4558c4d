import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../../lib/errors';
import { stateDir } from './paths';

/** The one place the Temporal CLI version is pinned. Later tags carry a `replace` directive that `go install` refuses. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export type TemporalCliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go install' | 'sdk download';

export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

export interface ProvisionOptions {
  /** Where progress lines go (the Go build takes minutes the first time). */
  progress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Skip the network download step (tests of the error path). */
  allowDownload?: boolean;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'bin', 'temporal');
}

/**
 * Finds or installs the Temporal CLI: TEMPORAL_CLI -> `temporal` on PATH -> the cached build ->
 * `go install` of the pinned tag into the cache -> the SDK's own download -> an error saying what to install.
 */
export async function provisionTemporalCli(opts: ProvisionOptions = {}): Promise<TemporalCli> {
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? ((line: string) => process.stderr.write(`${line}\n`));

  const explicit = env.TEMPORAL_CLI;
  if (explicit) {
    if (!isExecutable(explicit)) throw new EnvironmentError(`TEMPORAL_CLI is set to ${explicit}, which is not an executable file.`);
    return { path: explicit, source: 'TEMPORAL_CLI' };
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'PATH' };

  const cached = cachedCliPath(env);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };

  const go = onPath('go', env);
  if (go) {
    await goInstall(go, path.dirname(cached), env, progress);
    if (isExecutable(cached)) return { path: cached, source: 'go install' };
    throw new EnvironmentError(`go install finished but ${cached} is missing.`);
  }

  if (opts.allowDownload !== false && env.STRAWBERRY_NO_DOWNLOAD !== '1') {
    const downloaded = await sdkDownload(env, progress);
    if (downloaded) return { path: downloaded, source: 'sdk download' };
  }

  throw new EnvironmentError(
    [
      'No Temporal CLI found, and it could not be installed.',
      'Install one of:',
      `  - Go (https://go.dev/dl/), then run this again: it builds ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} into ${path.dirname(cached)}`,
      '  - the Temporal CLI (https://docs.temporal.io/cli), on PATH or named by TEMPORAL_CLI=/path/to/temporal',
      'or connect to an existing server with TEMPORAL_ADDRESS=host:port.',
    ].join('\n'),
  );
}

/** `GOBIN=<cache> go install <module>@<tag>`, with a progress line every few seconds while Go builds. */
async function goInstall(go: string, binDir: string, env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<void> {
  mkdirSync(binDir, { recursive: true });
  const target = `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`;
  progress(`Building the Temporal CLI with Go (${target}); the first build takes a few minutes...`);
  const started = Date.now();
  const child = spawn(go, ['install', '-v', target], {
    env: { ...env, GOBIN: binDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let packages = 0;
  const tail: string[] = [];
  const onLine = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      if (!line.startsWith('go: downloading')) packages += 1;
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  };
  child.stdout.on('data', onLine);
  child.stderr.on('data', onLine);
  const timer = setInterval(() => {
    progress(`  ...still building (${Math.round((Date.now() - started) / 1000)}s, ${packages} packages)`);
  }, 15_000);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', resolve);
  });
  clearInterval(timer);
  if (code !== 0) {
    throw new EnvironmentError(`go install ${target} failed (exit ${code}). Last output:\n${tail.join('\n')}`);
  }
  progress(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)}s.`);
}

/**
 * The SDK's own download of the CLI (needs internet): the ephemeral-server start with `cached-download`
 * fetches the binary into a directory we choose; the executable is then reused from there.
 */
async function sdkDownload(env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<string | undefined> {
  const downloadDir = path.join(stateDir(env), 'sdk-download');
  const existing = findExecutable(downloadDir);
  if (existing) return existing;
  progress('No Go toolchain: trying the Temporal SDK download of the CLI (needs internet)...');
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const testEnv = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir }, ui: false },
    });
    await testEnv.teardown();
  } catch (err) {
    progress(`  download failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    return undefined;
  }
  return findExecutable(downloadDir);
}

function findExecutable(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (name.startsWith('temporal') && isExecutable(file)) return file;
  }
  return undefined;
}
