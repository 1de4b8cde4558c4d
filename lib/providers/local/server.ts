import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../../errors';
import { projectPython, pythonEnv } from './python';

export interface RunningLocalServer {
  /** `http://127.0.0.1:<port>/v1` */
  baseURL: string;
  pid: number;
  close(): Promise<void>;
}

/**
 * Starts the CPU reference server (`python -m strawberry_local.serve`) on a free loopback port and waits until
 * it answers /health. `modelsRoot`: a jobs directory whose models load on first use; `models`: name -> checkpoint.
 * `script`: another server with the same CLI and routes instead, e.g. recipes/trl/serve.py (Hugging Face
 * checkpoints; `python` then names the TRL venv's interpreter).
 */
export async function startLocalServer(opts: { modelsRoot?: string; models?: Record<string, string>; python?: string; script?: string; readyTimeoutMs?: number; log?: string } = {}): Promise<RunningLocalServer> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'strawberry-serve-'));
  const portFile = path.join(tmp, 'port');
  const what = opts.script ?? '-m strawberry_local.serve';
  const args = [...(opts.script ? [opts.script] : ['-m', 'strawberry_local.serve']), '--port', '0', '--port-file', portFile, '--quiet'];
  if (opts.modelsRoot) args.push('--models-root', opts.modelsRoot);
  for (const [name, dir] of Object.entries(opts.models ?? {})) args.push('--model', `${name}=${dir}`);
  const python = opts.python ?? projectPython();
  const child: ChildProcess = spawn(python, args, { env: pythonEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const close = async () => {
    if (exited === undefined && child.pid) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 300_000);
  try {
    for (;;) {
      if (exited !== undefined) throw new EnvironmentError(`the local model server (${python} ${what}) exited with code ${exited}:\n${stderr.trim()}\n(run \`strawberry setup ${opts.script ? '--trl' : '--local'}\` first?)`);
      if (existsSync(portFile)) {
        const baseURL = `http://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}/v1`;
        try {
          const res = await fetch(baseURL.replace(/\/v1$/, '/health'));
          if (res.ok) return { baseURL, pid: child.pid!, close };
        } catch {
          /* not yet */
        }
      }
      if (Date.now() > deadline) throw new EnvironmentError(`the local model server did not become ready in time:\n${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await close();
    throw err;
  }
}
