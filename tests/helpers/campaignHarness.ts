import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { CampaignOutcome } from '../../lib/campaign/types';
import { loadCampaignConfig, type ResolvedCampaignConfig } from '../../lib/config/load';
import { startSim, type RunningSim, type SimConfigInput } from '../../sim';
import type { campaignWorkflow } from '../../workflows/campaign';
import { statusQuery, type CampaignStatus } from '../../workflows/messages';
import { spawnSim } from './simProcess';
import { testClient, testWorkerConnection, uniqueTaskQueue } from './temporal';

/**
 * A durable campaign under test: an in-process sim, the test's Temporal dev server, a worker on a task
 * queue of its own (in this process, or a child process that can be SIGKILLed) and a started campaign.
 *
 * The activities read STRAWBERRY_RUNS_DIR once per process, so call `useRunsDir()` once per test file
 * (at the top) and give every test its own campaign name (`uniqueCampaignName`).
 */

export const repoRoot = path.resolve(__dirname, '..', '..');
export const SMALL_CAMPAIGN = path.join(repoRoot, 'tests/fixtures/campaigns/small.yaml');

/** The run store root of this jest worker process: STRAWBERRY_RUNS_DIR if set, else a fresh temp dir (then set). */
export function useRunsDir(): string {
  process.env.STRAWBERRY_RUNS_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'strawberry-test-runs-'));
  return process.env.STRAWBERRY_RUNS_DIR;
}

/** Campaign names become workflow ids and run-store directories: unique per test, and a valid path segment. */
export function uniqueCampaignName(label: string): string {
  return `t-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export interface HarnessOptions {
  /** Short label for the campaign name and task queue. */
  label: string;
  /** Partial sim config (e.g. `{ jobs: { failureRate: 1 } }`). */
  simConfig?: SimConfigInput;
  /** Campaign config file; default tests/fixtures/campaigns/small.yaml. */
  configFile?: string;
  /** Changes to the loaded config (the name is already unique). */
  configure?: (config: ResolvedCampaignConfig) => ResolvedCampaignConfig;
  /** Value of STRAWBERRY_SIM_KEY (the env of this process, inherited by a worker subprocess). */
  simKey?: string;
  /** 'in-process' (default): a Worker in this process. 'none': start no worker (e.g. spawn one with tests/helpers/workerProcess.ts). */
  worker?: 'in-process' | 'none';
  /** Real activities replaced for this test only (e.g. one that fails once), the rest stay real. */
  activityOverrides?: Partial<typeof import('../../activities')>;
  /**
   * 'in-process' (default): the sim runs in this process (`sim` gives its stats). 'process': in a process of
   * its own (tests/helpers/simProcess.ts), e.g. for a benchmark of the worker's own CPU; `sim` then throws.
   */
  simMode?: 'in-process' | 'process';
  /** Start the campaign (default true). */
  start?: boolean;
  /** Task queue (default: a unique one); e.g. to share one worker process between campaigns. */
  taskQueue?: string;
}

export type CampaignHandle = WorkflowHandleWithFirstExecutionRunId<typeof campaignWorkflow>;

export interface CampaignHarness {
  name: string;
  runsDir: string;
  /** `<runsDir>/<name>`: the campaign's run-store directory. */
  campaignDir: string;
  taskQueue: string;
  sim: RunningSim;
  config: ResolvedCampaignConfig;
  client: Client;
  /** The in-process worker (undefined with `worker: 'none'` or after stopWorker()). */
  worker?: Worker;
  /** Set once the campaign has started (no runId: signals and queries reach the latest run). */
  handle?: CampaignHandle;
  /** Starts the campaign (when `start: false` was given). */
  start(): Promise<CampaignHandle>;
  /** Starts an in-process worker on the harness's task queue (when none runs). */
  startWorker(): Promise<void>;
  /** Shuts the in-process worker down and waits for it. */
  stopWorker(): Promise<void>;
  status(): Promise<CampaignStatus>;
  /** Polls the status query until `pred` holds; returns that status. */
  waitForStatus(pred: (s: CampaignStatus) => boolean, what: string, timeoutMs?: number): Promise<CampaignStatus>;
  /** The campaign's result (follows continue-as-new). */
  result(): Promise<CampaignOutcome>;
  /** Terminates the campaign if it still runs, stops the worker, closes connections and the sim. */
  teardown(): Promise<void>;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** workflows/index.ts bundled once per jest worker: bundling takes seconds, every test's worker reuses it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietBundlerLogger });
  return bundle;
}
const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error(message: string, meta?: Record<string, unknown>) {
    process.stderr.write(`workflow bundler: ${message} ${meta ? JSON.stringify(meta) : ''}\n`);
  },
};

/**
 * The activities (and cli/campaigns, which imports them), loaded on first use so their loggers see
 * STRAWBERRY_LOG_LEVEL=warn: a campaign's info lines would bury the test output (set STRAWBERRY_LOG_LEVEL=info
 * to see them). A test file that imports activities or cli/ itself gets the level in force at that time.
 */
function activitiesQuietly(): typeof import('../../activities') {
  process.env.STRAWBERRY_LOG_LEVEL ??= 'warn';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../../activities') as typeof import('../../activities');
}

/** A worker with every workflow and activity of the project, like cli/temporal/worker.ts createWorker, on a shared bundle. */
export async function createTestWorker(
  taskQueue: string,
  overrides: Partial<typeof import('../../activities')> = {},
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await testWorkerConnection();
  const activities = { ...activitiesQuietly(), ...overrides };
  const worker = await Worker.create({ connection, namespace: 'default', taskQueue, workflowBundle: await workflowBundle(), activities });
  return { worker, connection };
}

export async function startCampaignHarness(opts: HarnessOptions): Promise<CampaignHarness> {
  process.env.STRAWBERRY_LOG_LEVEL ??= 'warn';
  const runsDir = useRunsDir();
  const name = uniqueCampaignName(opts.label);
  const taskQueue = opts.taskQueue ?? uniqueTaskQueue(opts.label);
  const configFile = opts.configFile ?? SMALL_CAMPAIGN;

  // The sim serves the curriculum the config names: load once with a placeholder URL to learn it.
  process.env.STRAWBERRY_SIM_KEY = opts.simKey ?? process.env.STRAWBERRY_SIM_KEY ?? 'sim-test-key';
  const placeholder = await loadCampaignConfig(configFile, { ...process.env, STRAWBERRY_SIM_URL: 'http://127.0.0.1:1/v1' });
  const ownSim =
    opts.simMode === 'process'
      ? await spawnSim({ curricula: [placeholder.curriculumPath], config: opts.simConfig })
      : await startSim({ port: 0, curricula: [placeholder.curriculumPath], config: opts.simConfig });
  process.env.STRAWBERRY_SIM_URL = ownSim.baseURL;
  const loaded = { ...(await loadCampaignConfig(configFile)), name };
  const config = opts.configure ? opts.configure(loaded) : loaded;

  const { client, connection } = await testClient();
  let workerConnection: NativeConnection | undefined;
  let running: Promise<void> | undefined;

  const h: CampaignHarness = {
    name,
    runsDir,
    campaignDir: path.join(runsDir, name),
    taskQueue,
    get sim(): RunningSim {
      if (!('stats' in ownSim)) throw new Error('this harness runs the sim in another process (simMode: process): no in-process view of it');
      return ownSim;
    },
    config,
    client,
    async start() {
      // client.workflow.start returns a handle with firstExecutionRunId; startCampaign's declared type drops it.
      const { startCampaign } = require('../../cli/campaigns') as typeof import('../../cli/campaigns');
      h.handle = (await startCampaign(client, { config }, { taskQueue })) as CampaignHandle;
      return h.handle;
    },
    async startWorker() {
      if (h.worker) return;
      const created = await createTestWorker(taskQueue, opts.activityOverrides);
      h.worker = created.worker;
      workerConnection = created.connection;
      running = created.worker.run();
      // A worker that dies (e.g. a bundle error) must fail the test, not hang it.
      running.catch((err: unknown) => process.stderr.write(`test worker on ${taskQueue} failed: ${String(err)}\n`));
    },
    async stopWorker() {
      if (!h.worker) return;
      const w = h.worker;
      h.worker = undefined;
      if (w.getState() === 'RUNNING') w.shutdown();
      await running?.catch(() => undefined);
      await workerConnection?.close();
      workerConnection = undefined;
    },
    status() {
      return requireHandle(h).query(statusQuery);
    },
    async waitForStatus(pred, what, timeoutMs = 60_000) {
      let last: CampaignStatus | undefined;
      await waitFor(
        async () => {
          try {
            last = await h.status();
          } catch {
            return false; // between continue-as-new runs, or before the first workflow task
          }
          return pred(last);
        },
        what,
        { timeoutMs, describe: () => JSON.stringify(last && { ...last, summaries: last.summaries.length }) },
      );
      return last!;
    },
    result() {
      return requireHandle(h).result();
    },
    async teardown() {
      try {
        if (h.handle) {
          const d = await h.client.workflow.getHandle(h.handle.workflowId).describe().catch(() => undefined);
          if (d?.status.name === 'RUNNING') await h.client.workflow.getHandle(h.handle.workflowId).terminate('test teardown').catch(() => undefined);
        }
      } finally {
        await h.stopWorker();
        await connection.close();
        await ownSim.close();
      }
    },
  };

  try {
    if ((opts.worker ?? 'in-process') === 'in-process') await h.startWorker();
    if (opts.start ?? true) await h.start();
  } catch (err) {
    await h.teardown();
    throw err;
  }
  return h;
}

function requireHandle(h: CampaignHarness): WorkflowHandle<typeof campaignWorkflow> {
  if (!h.handle) throw new Error('campaign not started: call harness.start() first');
  return h.handle;
}

/** Polls `check` every `intervalMs` until it returns true; fails after `timeoutMs` naming what it waited for. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  opts: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${opts.describe ? `; last seen: ${opts.describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/** Waits until a file exists. */
export function waitForFile(file: string, timeoutMs = 60_000): Promise<void> {
  return waitFor(() => existsSync(file), `file ${file}`, { timeoutMs });
}
