import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { parse, stringify } from 'yaml';
import { hasStackTrace, repoRoot, runCli } from '../helpers/cli';
import { testServerAddress } from '../helpers/temporal';

/**
 * `strawberry eval config/eval-sim.yaml` with no keys: it runs a demo campaign (here the small fixture campaign
 * instead of config/demo.yaml, and a few problems per level: the same config otherwise), starts its own sim and
 * prints base, the demo's final model and the reference sim student on GSM8K test, MATH-500 and the
 * arithmetic levels with pass@1, pass@8 and maj@8. A re-run draws nothing (the eval's ledger).
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-eval-sim-'));
const env = {
  ...process.env,
  TEMPORAL_ADDRESS: testServerAddress(),
  STRAWBERRY_RUNS_DIR: path.join(dir, 'runs'),
  STRAWBERRY_HOME: path.join(dir, 'home'),
  STRAWBERRY_LOG_LEVEL: 'warn',
};
delete (env as Record<string, string | undefined>).STRAWBERRY_SIM_URL;

/** config/eval-sim.yaml with its paths made absolute, the small demo campaign and `limit` per set. */
function smallConfig(): string {
  const shipped = parse(readFileSync(path.join(repoRoot, 'config/eval-sim.yaml'), 'utf8')) as {
    models: Record<string, unknown>[];
    sets: { curriculum: string; limit?: number }[];
  };
  for (const m of shipped.models) if (m.demoIfMissing) m.demoIfMissing = path.join(repoRoot, 'tests/fixtures/campaigns/small.yaml');
  // The small campaign may promote nothing in its two rounds: round 1's candidate is a trained model either way.
  shipped.models.push({ ...shipped.models.find((m) => m.round === 'final'), name: 'demo-r1', round: 1 });
  const limits: Record<string, number> = { 'gsm8k-test.yaml': 6, 'math500.yaml': 2, 'arithmetic.yaml': 3 };
  for (const s of shipped.sets) {
    s.limit = limits[path.basename(s.curriculum)];
    s.curriculum = path.join(repoRoot, 'config', s.curriculum);
  }
  const file = path.join(dir, 'eval-sim-small.yaml');
  writeFileSync(file, stringify(shipped));
  return file;
}

describe('strawberry eval config/eval-sim.yaml (no keys)', () => {
  const config = smallConfig();
  const json = path.join(dir, 'out.json');
  const html = path.join(dir, 'out.html');

  it('runs the demo campaign, evaluates 3 models on both standard splits and the arithmetic levels, and a re-run draws nothing', () => {
    const first = runCli(['eval', config, '--json', json, '--html', html], { env, timeoutMs: 400_000 });
    expect(hasStackTrace(first.stderr)).toBe(false);
    if (first.status !== 0) throw new Error(`exit ${first.status}:\n${first.stderr.slice(-3000)}`);
    const header = first.stdout.split('\n').find((l) => l.startsWith('model'))!;
    expect(header).toMatch(/pass@1\s.*pass@8\s+maj@8/);
    for (const model of ['base', 'demo-final', 'reference'])
      for (const set of ['gsm8k-test', 'math500', 'arithmetic']) expect(first.stdout).toMatch(new RegExp(`^${model}\\s+${set}\\s+all\\s+single-turn`, 'm'));
    expect(first.stdout).toMatch(/^reference\s+arithmetic\s+all\s+multi-turn/m);
    expect(first.stdout).toMatch(/^demo-final\s+arithmetic\s+muldiv-1digit\s+single-turn\s+3\s/m);

    const out = JSON.parse(readFileSync(json, 'utf8')) as {
      models: { name: string; model: string; campaign?: { round: number } }[];
      results: { model: string; set: string; level?: string; skill?: string; procedure: string; pass1: number; passAtK: Record<string, number>; majAtK: Record<string, number> }[];
    };
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(path.join(repoRoot, 'tests/fixtures/schemas/eval.schema.json'), 'utf8')));
    if (!validate(out as object)) throw new Error(JSON.stringify(validate.errors, null, 2));
    const models = out.models;
    expect(models.find((m) => m.name === 'base')!.model).toBe('sim-student');
    expect(models.find((m) => m.name === 'demo-r1')!.model).toMatch(/^ft:sim-student:/);
    expect(models.find((m) => m.name === 'demo-final')!.campaign!.round).toBeGreaterThanOrEqual(0);
    expect(models.find((m) => m.name === 'reference')!.model).toBe('sim-reference');
    const row = (model: string, set: string) => out.results.find((r) => r.model === model && r.set === set && !r.level && !r.skill && r.procedure === 'single-turn')!;
    for (const r of [row('base', 'arithmetic'), row('reference', 'gsm8k-test')]) {
      expect(r.passAtK['8']).toBeGreaterThanOrEqual(r.pass1);
      expect(Object.keys(r.majAtK).sort()).toEqual(['1', '8']);
    }
    // The reference student (ability 3) beats the base (ability 2) on arithmetic.
    expect(row('reference', 'arithmetic').pass1).toBeGreaterThan(row('base', 'arithmetic').pass1);
    expect(readFileSync(html, 'utf8')).toMatch(/<table id="results">[\s\S]*demo-final/);

    const again = runCli(['eval', config, '--json', json], { env, timeoutMs: 120_000 });
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/ 0 sample\(s\) drawn by this run/);
    expect(again.stderr).not.toMatch(/running the demo/);
    expect(JSON.parse(readFileSync(json, 'utf8')).results).toEqual(out.results);
  }, 420_000);

  it('a bad model reference is a clear error at its line, exit 2, no output file', () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, `name: bad\nmodels:\n  - campaign:demo@latest\nsets:\n  - { curriculum: ${path.join(repoRoot, 'curricula/arithmetic.yaml')} }\n`);
    const res = runCli(['eval', bad, '--json', path.join(dir, 'bad.json')], { env });
    expect(res.status).toBe(2);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.stderr).toMatch(/bad\.yaml:3.*models\[0\].*campaign:NAME@final\|base\|ROUND/);
    expect(existsSync(path.join(dir, 'bad.json'))).toBe(false);
  });
});
