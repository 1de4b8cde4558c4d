import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeTextAtomic } from '../../lib/atomicFile';
import { EnvironmentError } from '../../lib/errors';
import { pythonSourceDir, venvDir } from '../../lib/providers/local/python';

export const requirementsFile = path.join(pythonSourceDir, 'requirements.txt');

/**
 * `strawberry setup --local`: the venv of the CPU reference backend, with python/requirements.txt installed.
 * Idempotent: a stamp in the venv records the requirements' hash, and an unchanged file installs nothing.
 */
export async function setupLocalPython(opts: { python?: string; say?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<{ venv: string; python: string; installed: boolean }> {
  const env = opts.env ?? process.env;
  const say = opts.say ?? ((l: string) => process.stdout.write(l + '\n'));
  const bootstrap = opts.python ?? env.STRAWBERRY_BOOTSTRAP_PYTHON ?? 'python3';
  const venv = venvDir(env);
  const python = path.join(venv, 'bin', 'python');
  const reqs = readFileSync(requirementsFile, 'utf8');
  const hash = createHash('sha256').update(reqs).digest('hex');
  const stamp = path.join(venv, '.strawberry-requirements.sha256');

  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
    say(`python venv: ${venv} is up to date with ${path.relative(process.cwd(), requirementsFile) || requirementsFile}`);
    return { venv, python, installed: false };
  }
  if (!existsSync(python)) {
    const v = spawnSync(bootstrap, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (v.error || v.status !== 0) {
      throw new EnvironmentError(
        v.error
          ? `setup --local needs ${bootstrap} (Python 3.10 or newer) on PATH, or STRAWBERRY_BOOTSTRAP_PYTHON naming one: ${v.error.message}`
          : `${bootstrap} cannot create virtual environments (the venv/ensurepip modules are missing; on Debian/Ubuntu: apt-get install python3-venv): ${v.stderr.trim().split('\n').pop()}`,
      );
    }
    const [maj, min] = v.stdout.trim().split('.').map(Number);
    if (maj! < 3 || (maj === 3 && min! < 10)) throw new EnvironmentError(`setup --local needs Python 3.10 or newer; ${bootstrap} is ${v.stdout.trim()}`);
    say(`python venv: creating ${venv} with ${bootstrap} (Python ${v.stdout.trim()})`);
    await run(bootstrap, ['-m', 'venv', venv], say);
  }
  say(`python venv: installing ${requirementsFile} (JAX CPU, Flax, Optax, ...; about 1 GB on disk, a few minutes)`);
  await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', '-r', requirementsFile], say);
  await writeTextAtomic(stamp, hash + '\n');
  say(`python venv: ready (${python})`);
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
