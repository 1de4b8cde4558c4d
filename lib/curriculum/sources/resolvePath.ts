import path from 'node:path';

/** An `${NAME}` in a path names a variable the environment does not set. */
export class MissingEnvVarError extends Error {
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set`);
  }
}

/**
 * Expands `${NAME}` and `${NAME:-default}` from the environment, then resolves the result against the
 * directory of the curriculum file (absolute paths stay as they are).
 */
export function resolveDataPath(raw: string, curriculumFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const expanded = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    throw new MissingEnvVarError(name);
  });
  return path.resolve(path.dirname(curriculumFile), expanded);
}
