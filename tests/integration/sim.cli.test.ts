import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { hasStackTrace, repoRoot, runCli } from '../helpers/cli';

/** `strawberry sim` prints its base URL as the first stdout line and serves until SIGTERM/SIGINT. */

it('serves on the printed base URL and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/strawberry.js'), 'sim', '--port', '0', '--curriculum', 'curricula/arithmetic.yaml', '--rpm', '100000'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', () => reject(new Error('sim exited before printing its URL')));
    });
    expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const client = new OpenAI({ baseURL: firstLine, apiKey: 'sim-test-key' });
    expect((await client.models.list()).data.map((m) => m.id)).toContain('sim-student');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});

it('names the problem with bad flags, without a stack trace', () => {
  const noCurriculum = runCli(['sim']);
  expect(noCurriculum.status).toBe(2);
  expect(noCurriculum.stderr).toMatch(/--curriculum/);
  const badRate = runCli(['sim', '--curriculum', 'curricula/arithmetic.yaml', '--error-rate', '3']);
  expect(badRate.status).toBe(2);
  expect(badRate.stderr).toMatch(/faults\.errorRate/);
  expect(hasStackTrace(badRate.stderr)).toBe(false);
});
