import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { startSim, type RunningSim } from '../../sim';
import { hasStackTrace, repoRoot, runCli } from '../helpers/cli';
import { testClient, testServerAddress, uniqueTaskQueue } from '../helpers/temporal';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

/**
 * The campaign commands as a user runs them: each a separate process against the test run's Temporal dev
 * server, a `strawberry worker` subprocess and the sim in this process. The CLI runs asynchronously here
 * (not spawnSync): the sim in this process must keep answering the worker meanwhile.
 */

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/strawberry.js'), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Repeats a look until `ok` holds (visibility and phases change asynchronously); returns the last result. */
async function until(look: () => Promise<CliResult>, ok: (r: CliResult) => boolean, tries = 40): Promise<CliResult> {
  let r = await look();
  for (let i = 1; i < tries && !ok(r); i++) {
    await sleep(500);
    r = await look();
  }
  return r;
}

const fixtures = path.join(repoRoot, 'tests/fixtures/bad-inputs');
const arithmetic = path.join(repoRoot, 'curricula/arithmetic.yaml');

describe('campaign commands: bad inputs', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: testServerAddress(), STRAWBERRY_SIM_KEY: 'sim-test-key' };
  delete env.STRAWBERRY_TEST_SURELY_UNSET_KEY;

  it.each([
    ['config-missing-curriculum.yaml', /config-missing-curriculum\.yaml:3 curriculum: no such file: .*no-such-curriculum\.yaml/],
    ['config-unknown-provider-kind.yaml', /config-unknown-provider-kind\.yaml:6 providers\.main\.kind: .*'openai' \| 'azure' \| 'together' \| 'fireworks' \| 'local'/],
    ['config-unset-key.yaml', /config-unset-key\.yaml:9 providers\.remote\.apiKeyEnv: environment variable STRAWBERRY_TEST_SURELY_UNSET_KEY is not set/],
  ])('start %s: exit 2, one message naming file and field, no stack trace', async (file, message) => {
    const res = await cli(['start', path.join(fixtures, file), '--task-queue', uniqueTaskQueue('bad')], env);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(res.stdout).toBe('');
  });

  it('without TEMPORAL_ADDRESS the commands say to run `strawberry dev` (exit 1), and never start a server', async () => {
    const noServer = { ...env };
    delete noServer.TEMPORAL_ADDRESS;
    for (const args of [['start', path.join(repoRoot, 'config/demo.yaml')], ['status', 'x'], ['list'], ['pause', 'x'], ['worker']]) {
      const res = await cli(args, { ...noServer, STRAWBERRY_SIM_URL: 'http://127.0.0.1:9/v1' });
      expect({ args, status: res.status }).toEqual({ args, status: 1 });
      expect(res.stderr).toMatch(/TEMPORAL_ADDRESS is not set\. Run `strawberry dev` in another terminal/);
      expect(hasStackTrace(res.stderr)).toBe(false);
    }
  });

  it('signals, configure and status of an unknown campaign: exit 2 naming it', async () => {
    for (const args of [['pause', 'no-such-campaign'], ['unpause', 'no-such-campaign'], ['cancel', 'no-such-campaign'], ['status', 'no-such-campaign'], ['configure', 'no-such-campaign', '--k', '3']]) {
      const res = await cli(args, env);
      expect({ args, status: res.status }).toEqual({ args, status: 2 });
      expect(res.stderr).toMatch(/no campaign "no-such-campaign"/);
      expect(hasStackTrace(res.stderr)).toBe(false);
    }
  });

  it('start under the name of a campaign that already ran with this run store: exit 2 pointing at resume, nothing started', async () => {
    const runsDir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-start-again-'));
    const name = `again-${process.pid}-${Date.now().toString(36)}`;
    mkdirSync(path.join(runsDir, name));
    writeFileSync(path.join(runsDir, name, 'registry.json'), JSON.stringify({ campaign: name, models: [] }));
    const res = await cli(['start', path.join(repoRoot, 'config/demo.yaml'), '--name', name, '--task-queue', uniqueTaskQueue('again')], {
      ...env,
      STRAWBERRY_RUNS_DIR: runsDir,
      STRAWBERRY_SIM_URL: 'http://127.0.0.1:9/v1',
    });
    expect(res.stderr).toMatch(new RegExp(`campaign "${name}" already ran with this run store .*strawberry resume ${name}`));
    expect(res.status).toBe(2);
    expect(hasStackTrace(res.stderr)).toBe(false);
    expect(existsSync(path.join(runsDir, name, 'config.json'))).toBe(false);
  });

  it('configure with nothing to change or a non-number: exit 2 before connecting', async () => {
    expect((await cli(['configure', 'x'], env)).stderr).toMatch(/nothing to change/);
    const res = await cli(['configure', 'x', '--k', 'ten'], env);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/--k: expected an integer, got "ten"/);
  });
});

describe('strawberry validate: campaign configs', () => {
  it('accepts every campaign config of config/ and config/examples/', () => {
    const dirs = [path.join(repoRoot, 'config'), path.join(repoRoot, 'config/examples')];
    const files = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.yaml')).map((f) => path.join(d, f)));
    // config/sim.yaml is the sim's own config, not a campaign.
    const campaigns = files.filter((f) => (parse(readFileSync(f, 'utf8')) as Record<string, unknown>).providers !== undefined);
    expect(campaigns.map((f) => path.relative(repoRoot, f))).toEqual(
      expect.arrayContaining(['config/demo.yaml', 'config/examples/fireworks.yaml', 'config/examples/openai.yaml', 'config/examples/together.yaml']),
    );
    const res = runCli(['validate', ...campaigns], {
      env: { ...process.env, STRAWBERRY_SIM_URL: 'http://127.0.0.1:9/v1', STRAWBERRY_LOCAL_URL: 'http://127.0.0.1:9/v1', STRAWBERRY_DATA: path.resolve(repoRoot, '../shared/data') },
    });
    expect(res.stderr).not.toMatch(/strawberry:/);
    expect(res.status).toBe(0);
    for (const f of campaigns) expect(res.stdout).toMatch(new RegExp(`^ok: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(campaign [a-z0-9.-]+, curriculum \\S+\\.yaml, \\d+ levels\\)$`, 'm'));
    expect(res.stdout).toMatch(/ok: .*demo\.yaml \(campaign demo, curriculum curricula\/arithmetic\.yaml, \d+ levels\)/);
  });

  it('rejects a bad campaign config with file, line and field', () => {
    const res = runCli(['validate', path.join(fixtures, 'config-unknown-provider-kind.yaml')]);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/config-unknown-provider-kind\.yaml:6 providers\.main\.kind/);
    expect(hasStackTrace(res.stderr)).toBe(false);
  });
});

describe('campaign commands against a running campaign', () => {
  const name = `cli-${process.pid}-${Date.now().toString(36)}`;
  const taskQueue = uniqueTaskQueue('campaign-cli');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strawberry-campaign-cli-'));
  const runsDir = path.join(dir, 'runs');
  const configFile = path.join(dir, 'campaign.yaml');
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: testServerAddress(), STRAWBERRY_RUNS_DIR: runsDir, STRAWBERRY_SIM_KEY: 'sim-test-key' };
  delete env.TEMPORAL_NAMESPACE;
  let sim: RunningSim;
  let worker: WorkerProcess;

  beforeAll(async () => {
    // Some latency, so the campaign is still running through the commands below (a round takes seconds, not one).
    sim = await startSim({ port: 0, curricula: [arithmetic], config: { faults: { latencyMs: 100 } } });
    // The demo config, pointed at this sim, with room for more rounds than the test lets it run.
    const config = parse(readFileSync(path.join(repoRoot, 'config/demo.yaml'), 'utf8')) as Record<string, any>;
    config.name = 'cli-config-name';
    config.curriculum = arithmetic;
    config.providers.sim.baseURL = sim.baseURL;
    config.stopping.maxRounds = 20;
    writeFileSync(configFile, stringify(config));
    // The real `strawberry worker`, ready once the server sees it poll (status queries need a worker).
    const { client, connection } = await testClient();
    worker = spawnWorkerProcess({ taskQueue, runsDir, env, client });
    await worker.ready;
    await connection.close();
  });

  afterAll(async () => {
    await worker?.kill();
    await sim?.close();
  });

  it('start, status, pause, configure, unpause, cancel, list, models, resume; the worker stops on SIGTERM', async () => {
    const start = await cli(['start', configFile, '--name', name, '--task-queue', taskQueue], env);
    expect(start.stderr).toBe('');
    expect(start.status).toBe(0);
    expect(start.stdout).toContain(`Started campaign ${name}: workflow campaign/${name}`);
    expect(start.stdout).toMatch(/Web UI: .*\/namespaces\/default\/workflows\/campaign%2F/);
    // The resolved config is kept for `resume`, under the campaign's (overridden) name.
    expect(JSON.parse(readFileSync(path.join(runsDir, name, 'config.json'), 'utf8'))).toMatchObject({ name, curriculumPath: arithmetic });

    // Starting it twice is a user mistake.
    const again = await cli(['start', configFile, '--name', name, '--task-queue', taskQueue], env);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already running/);

    const json = await cli(['status', name, '--json'], env);
    expect(json.status).toBe(0);
    const status = JSON.parse(json.stdout);
    // Which round it is in depends on the machine's speed: a number from 1, and a frontier from 0.
    expect(status).toMatchObject({ name, round: expect.any(Number), frontier: expect.any(Number), baseModel: 'sim-student', paused: false });
    expect(status.round).toBeGreaterThanOrEqual(1);
    expect(status.levelCount).toBeGreaterThan(2);

    expect((await cli(['pause', name], env)).status).toBe(0);
    const paused = await cli(['status', name], env);
    expect(paused.status).toBe(0);
    expect(paused.stdout).toMatch(new RegExp(`^campaign ${name}: round \\d+, .*PAUSED`, 'm'));
    expect(JSON.parse((await cli(['status', name, '--json'], env)).stdout).paused).toBe(true);

    const rejected = await cli(['configure', name, '--band-min', '0.9', '--band-max', '0.1'], env);
    expect(rejected.status).toBe(2);
    expect(rejected.stderr).toMatch(/configure rejected: band\.min \(0\.9\) must be <= band\.max \(0\.1\)/);
    expect(hasStackTrace(rejected.stderr)).toBe(false);

    const accepted = await cli(['configure', name, '--k', '10'], env);
    expect(accepted.stderr).toBe('');
    expect(accepted.status).toBe(0);
    expect(accepted.stdout).toMatch(/configured \{"estimationK":10\}/);

    expect((await cli(['unpause', name], env)).status).toBe(0);
    expect(JSON.parse((await cli(['status', name, '--json'], env)).stdout).paused).toBe(false);

    const running = await until(
      () => cli(['list'], env),
      (r) => r.stdout.includes(name),
    );
    expect(running.status).toBe(0);
    expect(running.stdout).toMatch(new RegExp(`^${name}\\s+RUNNING\\s+\\d+\\s+\\S+`, 'm'));

    // A running campaign cannot be resumed.
    const stillRunning = await cli(['resume', name], env);
    expect(stillRunning.status).toBe(2);
    expect(stillRunning.stderr).toMatch(/still running/);

    expect((await cli(['cancel', name], env)).status).toBe(0);
    const { client, connection } = await testClient();
    try {
      const outcome = await client.workflow.getHandle(`campaign/${name}`).result();
      expect(outcome.stopReason).toMatch(/cancel/);
    } finally {
      await connection.close();
    }

    const finished = await cli(['status', name, '--json'], env);
    expect(JSON.parse(finished.stdout)).toMatchObject({ name, status: 'COMPLETED', result: { name, stopReason: expect.stringMatching(/cancel/) } });
    const finishedText = await cli(['status', name], env);
    expect(finishedText.stdout).toMatch(new RegExp(`^campaign ${name}: finished \\(cancelled`, 'm'));
    const pauseFinished = await cli(['pause', name], env);
    expect(pauseFinished.status).toBe(2);
    expect(pauseFinished.stderr).toMatch(/is not running .*strawberry resume/);

    const all = await until(
      () => cli(['list', '--all'], env),
      (r) => new RegExp(`^${name}\\s+COMPLETED`, 'm').test(r.stdout),
    );
    expect(all.stdout).toMatch(new RegExp(`^${name}\\s+COMPLETED\\s+\\d+\\s+cancelled`, 'm'));

    const models = await cli(['models', name], env);
    expect(models.stderr).toBe('');
    expect(models.status).toBe(0);
    expect(models.stdout).toMatch(/^0\s+base\s+sim-student/m);
    const modelsJson = JSON.parse((await cli(['models', name, '--json'], env)).stdout);
    expect(modelsJson.lineage[0]).toMatchObject({ modelId: 'sim-student', status: 'base', round: 0 });

    // Resume after the cancellation: the same workflow id runs again, from the run store.
    const resumed = await cli(['resume', name], env);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`Resumed campaign ${name} \\(was COMPLETED\\) at round \\d+`));
    expect(resumed.stdout).toContain(`task queue ${taskQueue}`);
    const afterResume = JSON.parse((await cli(['status', name, '--json'], env)).stdout);
    expect(afterResume).toMatchObject({ name, paused: false });
    const keep = await cli(['cancel', name, '--keep-deployments'], env);
    expect(keep.status).toBe(0);
    expect(keep.stdout).toContain('(deployments kept)');

    // The worker shuts down gracefully on SIGTERM.
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    const workerLog = worker.output();
    // The identity the Web UI shows (<pid>@<host>), where, how, which queues.
    const re = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(workerLog).toMatch(
      new RegExp(`Worker ${worker.pid}@${re(os.hostname())} on ${re(testServerAddress())} \\(namespace default, plaintext\\), task queues ${re(taskQueue)} \\(workflows, all work\\), run store ${re(runsDir)}`),
    );
    expect(workerLog).toMatch(/Worker stopped\./);
  }, 240_000);

  it('models of a campaign with no registry: exit 2 naming the run store', async () => {
    const res = await cli(['models', 'no-such-campaign'], env);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/no model registry for campaign "no-such-campaign" in the run store/);
  });
});
