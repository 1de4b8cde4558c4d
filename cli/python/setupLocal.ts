import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeTextAtomic } from '../../lib/atomicFile';
import { EnvironmentError } from '../../lib/errors';
import { pythonSourceDir, trlRecipeDir, trlVenvDir, venvDir } from '../../lib/providers/local/python';

export const requirementsFile = path.join(pythonSourceDir, 'requirements.txt');
export const trlRequirementsFile = path.join(trlRecipeDir, 'requirements.txt');

export interface SetupVenvOptions {
  python?: string;
  say?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface SetupVenvResult {
  venv: string;
  python: string;
  installed: boolean;
}

/**
 * `strawberry setup --local`: the venv of the CPU reference backend, with python/requirements.txt installed.
 * Idempotent: a stamp in the venv records the requirements' hash, and an unchanged file installs nothing.
 */
export function setupLocalPython(opts: SetupVenvOptions = {}): Promise<SetupVenvResult> {
  return setupVenv({ ...opts, venv: venvDir(opts.env ?? process.env), requirements: requirementsFile, flag: '--local', label: 'python venv', sizeHint: 'JAX CPU, Flax, Optax, ...; about 1 GB on disk, a few minutes' });
}

/**
 * `strawberry setup --trl`: the venv of the TRL recipe (recipes/trl: torch, transformers, trl, peft, the server),
 * kept apart from the JAX venv so neither's pins constrain the other.
 */
export function setupTrlPython(opts: SetupVenvOptions = {}): Promise<SetupVenvResult> {
  return setupVenv({ ...opts, venv: trlVenvDir(opts.env ?? process.env), requirements: trlRequirementsFile, flag: '--trl', label: 'trl venv', sizeHint: 'torch with its CUDA libraries, transformers, trl, peft; about 6 GB on disk, 3 minutes or more' });
}

/** Creates `venv` with the bootstrap Python when missing and installs `requirements` unless its hash stamp matches. */
export async function setupVenv(opts: SetupVenvOptions & { venv: string; requirements: string; flag: string; label: string; sizeHint: string }): Promise<SetupVenvResult> {
  const env = opts.env ?? process.env;
  const say = opts.say ?? ((l: string) => process.stdout.write(l + '\n'));
  const bootstrap = opts.python ?? env.STRAWBERRY_BOOTSTRAP_PYTHON ?? 'python3';
  const { venv, requirements, flag, label } = opts;
  const python = path.join(venv, 'bin', 'python');
  const reqs = readFileSync(requirements, 'utf8');
  const hash = createHash('sha256').update(reqs).digest('hex');
  const stamp = path.join(venv, '.strawberry-requirements.sha256');

  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
    say(`${label}: ${venv} is up to date with ${path.relative(process.cwd(), requirements) || requirements}`);
    return { venv, python, installed: false };
  }
  if (!existsSync(python)) {
    const v = spawnSync(bootstrap, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (v.error || v.status !== 0) {
      throw new EnvironmentError(
        v.error
          ? `setup ${flag} needs ${bootstrap} (Python 3.10 or newer) on PATH, or STRAWBERRY_BOOTSTRAP_PYTHON naming one: ${v.error.message}`
          : `${bootstrap} cannot create virtual environments (the venv/ensurepip modules are missing; on Debian/Ubuntu: apt-get install python3-venv): ${v.stderr.trim().split('\n').pop()}`,
      );
    }
    const [maj, min] = v.stdout.trim().split('.').map(Number);
    if (maj! < 3 || (maj === 3 && min! < 10)) throw new EnvironmentError(`setup ${flag} needs Python 3.10 or newer; ${bootstrap} is ${v.stdout.trim()}`);
    say(`${label}: creating ${venv} with ${bootstrap} (Python ${v.stdout.trim()})`);
    await run(bootstrap, ['-m', 'venv', venv], say);
  }
  say(`${label}: installing ${requirements} (${opts.sizeHint})`);
  await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', '-r', requirements], say);
  await writeTextAtomic(stamp, hash + '\n');
  say(`${label}: ready (${python})`);
  return { venv, python, installed: true };
}

/** Runs a command, passing its output on as progress lines; a failure is an EnvironmentError naming it. */
function run(cmd: string, args: string[], say: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (buf: Buffer) => {
      const text = buf.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (/^(Collecting|Successfully|Installing|ERROR)/.test(line.trim())) say(`  ${line.trim()}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => reject(new EnvironmentError(`${cmd} ${args.join(' ')}: ${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new EnvironmentError(`${cmd} ${args.join(' ')} failed with exit code ${code}:\n${tail.trim().split('\n').slice(-15).join('\n')}`))));
  });
}
