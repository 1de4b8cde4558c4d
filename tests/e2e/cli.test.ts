import { mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasStackTrace, runCli } from '../helpers/cli';

describe('strawberry CLI', () => {
  it('--help lists the commands', () => {
    const res = runCli(['--help']);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/\bdev\b/);
    expect(res.stdout).toMatch(/\bdemo\b/);
  });

  it('an unknown command is a usage error (exit 2)', () => {
    const res = runCli(['no-such-command']);
    expect(res.status).toBe(2);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });

  it('with no Temporal CLI, no Go and no network it says what to install, without a stack trace', () => {
    // A PATH that holds node alone, an empty state dir, and no download allowed (this machine has no internet anyway).
    const bin = mkdtempSync(path.join(os.tmpdir(), 'strawberry-nobin-'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const res = runCli(['dev'], {
      env: { HOME: os.tmpdir(), PATH: bin, STRAWBERRY_HOME: mkdtempSync(path.join(os.tmpdir(), 'strawberry-home-')), STRAWBERRY_NO_DOWNLOAD: '1' },
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/No Temporal CLI found/);
    expect(res.stderr).toMatch(/Install one of:[\s\S]*Go[\s\S]*TEMPORAL_CLI/);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });
});
