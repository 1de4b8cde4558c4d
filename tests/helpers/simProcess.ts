import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SimConfigInput } from '../../sim';

/**
 * The sim as a separate PROCESS (`node bin/strawberry.js sim`, the real command), so that its CPU does not
 * share the worker's event loop: a benchmark that measures the worker against a provider must not have the
 * provider's work counted as the worker's.
 */

const repoRoot = path.resolve(__dirname, '..', '..');

export interface SimProcess {
  baseURL: string;
  pid: number;
  /** SIGTERM (the sim persists its state and exits); resolves on exit. */
  close(): Promise<void>;
}

export async function spawnSim(opts: { curricula: string[]; config?: SimConfigInput }): Promise<SimProcess> {
  const args = [path.join(repoRoot, 'bin', 'strawberry.js'), 'sim', '--port', '0'];
  for (const c of opts.curricula) args.push('--curriculum', c);
  let configFile: string | undefined;
  if (opts.config) {
    // JSON is YAML: the sim's --config reads it.
    configFile = path.join(os.tmpdir(), `strawberry-sim-${process.pid}-${Date.now().toString(36)}.json`);
    writeFileSync(configFile, JSON.stringify(opts.config));
    args.push('--config', configFile);
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      if (configFile) rmSync(configFile, { force: true });
      resolve();
    }),
  );
  const baseURL = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    exited.then(() => reject(new Error(`sim process exited before serving: ${err.trim()}`)));
  });
  return {
    baseURL,
    pid: child.pid!,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
