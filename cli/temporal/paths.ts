import path from 'node:path';

/** The repository root (this file is <root>/cli/temporal/paths.ts). */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** Local machine state (the cached Temporal CLI, the dev server's SQLite file): STRAWBERRY_HOME or <repo>/.strawberry. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.STRAWBERRY_HOME ? path.resolve(env.STRAWBERRY_HOME) : path.join(repoRoot, '.strawberry');
}
