import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { writeTextAtomic } from '../../lib/atomicFile';
import { stateDir } from './paths';

/**
 * The ports a dev server on a given SQLite file used last time, kept in `<state dir>/dev-server-ports.json`, so
 * a Web UI link printed by `strawberry demo` still works when `strawberry ui` reopens the same database later.
 */
export interface ServerPorts {
  port: number;
  uiPort: number;
}

type PortsFile = Record<string, ServerPorts>;

export function portsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'dev-server-ports.json');
}

async function readPorts(env: NodeJS.ProcessEnv): Promise<PortsFile> {
  try {
    const value = JSON.parse(await readFile(portsFile(env), 'utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as PortsFile) : {};
  } catch {
    return {};
  }
}

/** The ports kept for `dbFile`, if any. */
export async function keptPorts(dbFile: string, env: NodeJS.ProcessEnv = process.env): Promise<ServerPorts | undefined> {
  const p = (await readPorts(env))[path.resolve(dbFile)];
  return p && Number.isInteger(p.port) && Number.isInteger(p.uiPort) ? p : undefined;
}

export async function keepPorts(dbFile: string, ports: ServerPorts, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const all = await readPorts(env);
  all[path.resolve(dbFile)] = ports;
  await writeTextAtomic(portsFile(env), `${JSON.stringify(all, null, 2)}\n`);
}

/** Whether nothing listens on 127.0.0.1:`port` (we can bind it). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
