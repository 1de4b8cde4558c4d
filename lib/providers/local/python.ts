import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root (this file is <root>/lib/providers/local/python.ts). */
const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** The project's Python sources (the CPU reference backend), put on PYTHONPATH of training jobs and servers. */
export const pythonSourceDir = path.join(repoRoot, 'python');

/** The TRL recipe (training script, tiny model, OpenAI-compatible server over transformers). */
export const trlRecipeDir = path.join(repoRoot, 'recipes', 'trl');

function strawberryHome(env: NodeJS.ProcessEnv): string {
  return env.STRAWBERRY_HOME ? path.resolve(env.STRAWBERRY_HOME) : path.join(repoRoot, '.strawberry');
}

/** The venv `strawberry setup --trl` creates: STRAWBERRY_HOME/trl-venv or <repo>/.strawberry/trl-venv. */
export function trlVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(strawberryHome(env), 'trl-venv');
}

/** The venv `strawberry setup --local` creates: STRAWBERRY_HOME/venv or <repo>/.strawberry/venv. */
export function venvDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(strawberryHome(env), 'venv');
}

/** STRAWBERRY_PYTHON, else the venv's Python, else `python3` on PATH. */
export function projectPython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STRAWBERRY_PYTHON) return env.STRAWBERRY_PYTHON;
  const venv = path.join(venvDir(env), 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

/** An environment for Python processes of the project: python/ first on PYTHONPATH. */
export function pythonEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const parts = [pythonSourceDir, ...(env.PYTHONPATH ? env.PYTHONPATH.split(path.delimiter) : [])];
  return { ...env, PYTHONPATH: [...new Set(parts)].join(path.delimiter) };
}
