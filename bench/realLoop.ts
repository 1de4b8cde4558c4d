/**
 * `npm run bench:real-loop`: the bootstrapping loop on a real model, on CPU. A tiny character-level decoder
 * (python/strawberry_local) is trained from scratch on the first sortsteps levels (round 0, through the `local`
 * provider's training command, cached by business key), served by the OpenAI-compatible CPU server, and then
 * the `config/local-tiny.yaml` campaign runs under Temporal: sample at temperature, estimate, select the band,
 * keep correct solutions, train the child from the parent, serve it, evaluate per level, advance.
 *
 * Two ablations run beside it with the same number of training examples per round as the campaign's round:
 *   (a) all-levels: problems drawn from every level instead of the band (correct solutions kept);
 *   (b) unfiltered: problems from the band's levels, solutions kept whether correct or not.
 * They use the same trainer, server and evaluation, in a plain loop (not under Temporal).
 *
 * Prints per round: frontier, band size, examples, held-out accuracy per level; the base model's pass@8 on the
 * level above its frontier; writes runs/real-loop/<stamp>/results.json and accuracy.png; last line:
 *   real-loop: base frontier B, final frontier F after R rounds; all-levels F1; unfiltered F2
 *
 * `--task <name>` (default sortsteps; also modchain) picks the task: config/local-tiny.yaml or
 * config/local-tiny-<task>.yaml, curricula/<task>.yaml and python -m strawberry_local.<task> for the base data.
 * Steps: when the curriculum declares step checkers, the same campaign runs a second time with a copy of the
 * curriculum without them ("no checker"); per round both print the share of correct held-out answers whose
 * every step passes the task's checker (valid, per level), and the round's orchestration share (wall time
 * outside sampling and training: chat requests are timed by a pass-through proxy, training by the jobs'
 * start and exit times). The base model's and the final model's validity per level are printed (before and
 * after). Last line then:
 *   real-loop steps: base frontier B, final frontier F after R rounds, valid V% at F; no checker F2 (valid V2%)
 *
 * A method comparison (issue 24) runs the same campaign three more times, with `fineTune.method` sft, dpo and
 * sft-then-dpo, each capped at the same number of band problems per round (`band.maxProblems`,
 * REAL_LOOP_METHOD_PROBLEMS), so each method trains on as many problems as the others: SFT on their correct
 * traces, DPO on pairs of a correct and a wrong trace of each (the parent frozen as the reference),
 * sft-then-dpo on both, in two jobs. Then:
 *   real-loop methods: sft F1, dpo F2, sft-then-dpo F3 (base B)
 *
 * The base and the main campaign's final model are then evaluated on every level with pass@1, pass@8 and maj@8
 * (issue 25), one line each: `real-loop eval base: L1 p1/p8/m8 ... Ln p1/p8/m8` (percentages).
 *
 * Env: REAL_LOOP_EVAL=0 to skip that, REAL_LOOP_ROUNDS (default 6), REAL_LOOP_ABLATIONS=0 to skip them, REAL_LOOP_NO_CHECKER=0 to skip the
 * no-checker campaign, REAL_LOOP_METHODS=0 to skip the method comparison, REAL_LOOP_METHOD_ROUNDS (default
 * REAL_LOOP_ROUNDS), REAL_LOOP_METHOD_PROBLEMS (default 32), REAL_LOOP_METHOD_NAMES (a comma-separated subset), REAL_LOOP_METHOD_CHECKERS=0 (the method campaigns without
 * the curriculum's step checkers), REAL_LOOP_DPO_EPOCHS and REAL_LOOP_DPO_LR (the DPO
 * jobs' own, fineTune.dpo; default the SFT job's), REAL_LOOP_MAIN=0 to skip the main campaign (and so
 * the ablations and the no-checker campaign), REAL_LOOP_BASE_EPOCHS (default 8) and REAL_LOOP_BASE_EXAMPLES
 * (default 3000) for the base model, REAL_LOOP_DIR (default runs/real-loop).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startSamplingProxy } from './realLoop/samplingProxy';
import { roundTime, type RoundTime } from './realLoop/orchestration';
import { levelCheckers, stepsValid } from './realLoop/validity';
import { ServiceError } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setupLocalPython } from '../cli/python/setupLocal';
import { connectClient, startCampaign } from '../cli/campaigns';
import { connectOrStartServer } from '../cli/temporal/devServer';
import { createWorker } from '../cli/temporal/worker';
import type { RoundSummary } from '../lib/campaign/types';
import { loadCampaignConfig, type ResolvedCampaignConfig } from '../lib/config/load';
import { loadCurriculum } from '../lib/curriculum/load';
import { withoutStepCheckers } from '../lib/curriculum/withoutStepCheckers';
import type { Curriculum, Problem } from '../lib/curriculum/types';
import { majAtK } from '../lib/eval/majority';
import { meanPassAtK } from '../lib/eval/passAtK';
import { gradeAnswer } from '../lib/grading';
import { createOpenAIChatProvider, type ChatProvider } from '../lib/providers/chat';
import { LocalProvider, projectPython, pythonEnv, startLocalServer, type LocalProviderConfig } from '../lib/providers/local';
import type { FineTuneProvider } from '../lib/providers/fineTune';
import { COT_SYSTEM_PROMPT, problemPrompt } from '../lib/traces/prompts';

const repoRoot = path.resolve(__dirname, '..');
const ROUNDS = Number(process.env.REAL_LOOP_ROUNDS ?? 6);
const MAIN = process.env.REAL_LOOP_MAIN !== '0';
const ABLATIONS = MAIN && process.env.REAL_LOOP_ABLATIONS !== '0';
const NO_CHECKER = MAIN && process.env.REAL_LOOP_NO_CHECKER !== '0';
const METHODS = process.env.REAL_LOOP_METHODS !== '0';
const METHOD_ROUNDS = Number(process.env.REAL_LOOP_METHOD_ROUNDS ?? ROUNDS);
const METHOD_PROBLEMS = Number(process.env.REAL_LOOP_METHOD_PROBLEMS ?? 32);
const ALL_METHODS = ['sft', 'dpo', 'sft-then-dpo'] as const;
/** REAL_LOOP_METHOD_NAMES=dpo,sft-then-dpo runs only those (e.g. to try other DPO settings beside a known sft run). */
const METHOD_NAMES = ALL_METHODS.filter((m) => !process.env.REAL_LOOP_METHOD_NAMES || process.env.REAL_LOOP_METHOD_NAMES.split(',').includes(m));
/** The DPO jobs' own epochs and learning rate (fineTune.dpo); unset: the SFT job's. */
const DPO_HP = {
  ...(process.env.REAL_LOOP_DPO_EPOCHS ? { nEpochs: Number(process.env.REAL_LOOP_DPO_EPOCHS) } : {}),
  ...(process.env.REAL_LOOP_DPO_LR ? { learningRate: Number(process.env.REAL_LOOP_DPO_LR) } : {}),
};
/** REAL_LOOP_METHOD_CHECKERS=0: the method campaigns run on the curriculum without its step checkers. */
const METHOD_CHECKERS = process.env.REAL_LOOP_METHOD_CHECKERS !== '0';
const EVAL = process.env.REAL_LOOP_EVAL !== '0';
const EVAL_K = 8;
const taskArg = process.argv.indexOf('--task');
const TASK = taskArg >= 0 ? process.argv[taskArg + 1] ?? '' : 'sortsteps';
const CONFIG_FILE = path.join(repoRoot, TASK === 'sortsteps' ? 'config/local-tiny.yaml' : `config/local-tiny-${TASK}.yaml`);
const BASE_LEVELS = '1-3';
const BASE_EXAMPLES = Number(process.env.REAL_LOOP_BASE_EXAMPLES ?? 3000);
const BASE_EPOCHS = Number(process.env.REAL_LOOP_BASE_EPOCHS ?? 8);
const BASE_LR = 0.003;
const SEED = 0;

type Acc = Record<number, number>; // 1-based level -> accuracy

const out = (line = '') => process.stdout.write(`${line}\n`);
const t0 = Date.now();
const elapsed = () => `${Math.round((Date.now() - t0) / 1000)}s`;

/** Highest level L (1-based) such that levels 1..L all reach the threshold. */
function frontierOf(acc: Acc, threshold: number): number {
  let f = 0;
  for (let l = 1; acc[l] !== undefined && acc[l]! >= threshold; l++) f = l;
  return f;
}

async function waitJob(provider: FineTuneProvider, id: string): Promise<string> {
  for (;;) {
    const job = await provider.getJob(id);
    if (job.status === 'succeeded') return job.fineTunedModel!;
    if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`job ${id} ${job.status}: ${job.error ?? ''}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function sample(chat: ChatProvider, model: string, p: Problem, n: number, temperature: number, maxTokens: number, seed: number) {
  const res = await chat.complete({
    model,
    messages: [
      { role: 'system', content: COT_SYSTEM_PROMPT },
      { role: 'user', content: problemPrompt(p.question) },
    ],
    n,
    temperature,
    maxTokens,
    seed,
  });
  return res.choices.map((c) => {
    const g = gradeAnswer(c.content, p.answer, 'number');
    return { content: c.content, correct: g.correct, answer: g.extracted };
  });
}

type AtK = Record<number, { p1: number; pk: number; mk: number }>;

/**
 * pass@1, pass@k (the unbiased estimator) and maj@k per level (lib/eval, as `strawberry eval` computes them):
 * k samples of every held-out problem (the campaign's maxHeldOutPerLevel) at the loop's sampling temperature.
 */
async function evaluateAtK(chat: ChatProvider, cfg: ResolvedCampaignConfig, cur: Curriculum, model: string, levels: number[], k: number): Promise<AtK> {
  const out: AtK = {};
  for (const l of levels) {
    const probs = cur.levels[l - 1]!.problems.filter((p) => p.heldOut).sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, cfg.evaluation.maxHeldOutPerLevel);
    const res = await Promise.all(probs.map((p, i) => sample(chat, model, p, k, cfg.estimation.temperature, cfg.estimation.maxTokens, 7000 + i)));
    const counts = res.map((r) => ({ n: r.length, c: r.filter((x) => x.correct).length }));
    out[l] = { p1: meanPassAtK(counts, 1), pk: meanPassAtK(counts, k), mk: majAtK(res, k, 'number') };
  }
  return out;
}

function fmtAtK(atK: AtK): string {
  const pct = (x: number) => (x * 100).toFixed(0);
  return Object.entries(atK)
    .map(([l, v]) => `L${l} ${pct(v.p1)}/${pct(v.pk)}/${pct(v.mk)}`)
    .join(' ');
}

/** Held-out accuracy per level (1-based), the campaign's evaluation settings. */
async function evaluate(chat: ChatProvider, cfg: ResolvedCampaignConfig, cur: Curriculum, model: string, levels: number[]): Promise<Acc> {
  return (await evaluateSteps(chat, cfg, cur, model, levels)).acc;
}

/**
 * Held-out accuracy per level and validity: the share of correct answers whose every step passes the
 * level's step checkers as the task's curriculum declares them (whatever the campaign filtered with).
 */
async function evaluateSteps(chat: ChatProvider, cfg: ResolvedCampaignConfig, cur: Curriculum, model: string, levels: number[]): Promise<{ acc: Acc; valid: Acc }> {
  const ev = cfg.evaluation;
  const acc: Acc = {};
  const valid: Acc = {};
  for (const l of levels) {
    const level = cur.levels[l - 1]!;
    const probs = level.problems.filter((p) => p.heldOut).sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, ev.maxHeldOutPerLevel);
    const res = await Promise.all(probs.map((p) => sample(chat, model, p, ev.samplesPerProblem, ev.temperature, cfg.estimation.maxTokens, 0)));
    const flat = res.flatMap((r, i) => r.map((x) => ({ ...x, p: probs[i]! })));
    const correct = flat.filter((r) => r.correct);
    acc[l] = correct.length / flat.length;
    const checkers = levelCheckers(level);
    if (checkers.length > 0 && correct.length > 0) valid[l] = (await Promise.all(correct.map((r) => stepsValid(r.p, r.content, checkers)))).filter(Boolean).length / correct.length;
  }
  return { acc, valid };
}

function fmtPct(x: number | undefined): string {
  return x === undefined ? '-' : `${(x * 100).toFixed(0)}%`;
}

function fmtAcc(acc: Acc): string {
  return Object.entries(acc)
    .map(([l, a]) => `L${l} ${(a * 100).toFixed(0)}%`)
    .join(' ');
}

async function main(): Promise<void> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const root = path.resolve(process.env.REAL_LOOP_DIR ?? path.join(repoRoot, 'runs/real-loop'));
  const outDir = path.join(root, stamp);
  const jobsDir = path.join(root, 'jobs');
  mkdirSync(outDir, { recursive: true });
  process.env.STRAWBERRY_RUNS_DIR = path.join(root, 'store');
  await setupLocalPython({ say: (l) => out(l) });

  // Round 0: the base model, trained on the first levels only, through the same training command (cached by key).
  process.env.STRAWBERRY_LOCAL_URL = 'http://127.0.0.1:1/v1';
  if (!existsSync(CONFIG_FILE)) throw new Error(`--task ${TASK}: no ${path.relative(repoRoot, CONFIG_FILE)} (tasks: sortsteps, modchain)`);
  out(`task ${TASK}: ${path.relative(repoRoot, CONFIG_FILE)}`);
  const placeholder = await loadCampaignConfig(CONFIG_FILE);
  const localCfg = placeholder.providers.local as Extract<ResolvedCampaignConfig['providers'][string], { kind: 'local' }>;
  const train = { ...localCfg.train!, jobsDir };
  const provCfg: LocalProviderConfig = { baseURL: localCfg.baseURL, train };
  const ft = new LocalProvider(provCfg);
  const curDir = path.join(repoRoot, `curricula/${TASK}`);
  const baseData = path.join(root, TASK === 'sortsteps' ? `base-${BASE_LEVELS}-${BASE_EXAMPLES}.jsonl` : `base-${TASK}-${BASE_LEVELS}-${BASE_EXAMPLES}.jsonl`);
  const gen = spawnSync(projectPython(), ['-m', `strawberry_local.${TASK}`, 'base-data', '--curriculum-dir', curDir, '--levels', BASE_LEVELS, '--count', String(BASE_EXAMPLES), '--seed', String(SEED), '--out', baseData], { env: pythonEnv(), encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`base data: ${gen.stderr}`);
  const baseKey = `real-loop-base-${createHash('sha256').update(readFileSync(baseData)).update(JSON.stringify([train.command, BASE_EPOCHS, BASE_LR, SEED])).digest('hex').slice(0, 12)}`;
  const found = await ft.findJobsByKey(baseKey);
  const baseJob = found[0] && found[0].status !== 'failed' ? found[0] : await ft.createJob({ baseModel: '', trainingFileId: baseData, suffix: 'base', key: baseKey, seed: SEED, hyperparameters: { nEpochs: BASE_EPOCHS, learningRate: BASE_LR, batchSize: 32 } });
  out(`[${elapsed()}] round 0: base model job ${baseJob.id} (${found[0] ? 'cached' : 'started'}) on levels ${BASE_LEVELS}, ${BASE_EXAMPLES} examples`);
  const baseModel = await waitJob(ft, baseJob.id);
  out(`[${elapsed()}] round 0: base model ${baseModel} ready`);

  const modelServer = await startLocalServer({ modelsRoot: jobsDir });
  // Every request goes through the proxy, which times the chat completions (a round's sampling time).
  const proxy = await startSamplingProxy(modelServer.baseURL);
  const server = { baseURL: proxy.baseURL, close: async () => (await proxy.close(), await modelServer.close()) };
  process.env.STRAWBERRY_LOCAL_URL = server.baseURL;
  const results: Record<string, unknown> = { stamp, seed: SEED, baseModel, baseLevels: BASE_LEVELS, configs: {} };
  // Saved after every step, so an interrupted run keeps what it measured.
  const save = () => writeFileSync(path.join(outDir, 'results.json'), JSON.stringify({ ...results, wallSeconds: Math.round((Date.now() - t0) / 1000) }, null, 2) + '\n');
  try {
    const loaded = await loadCampaignConfig(CONFIG_FILE);
    const config: ResolvedCampaignConfig = {
      ...loaded,
      name: `real-loop-${stamp}`,
      student: { ...loaded.student, baseModel },
      providers: { ...loaded.providers, local: { ...localCfg, baseURL: server.baseURL, train } },
      // The base model's training data joins the replay pool, so round 1 replays the levels it must not forget.
      dataset: { ...loaded.dataset, replayFiles: [baseData] },
      stopping: { ...loaded.stopping, maxRounds: ROUNDS, maxRoundsWithoutPromotion: ROUNDS },
    };
    const cur = await loadCurriculum(config.curriculumPath);
    const levelCount = cur.levels.length;
    const chat = createOpenAIChatProvider({ baseURL: server.baseURL, concurrency: 16, timeoutMs: 600_000 });
    const threshold = config.advancement.masteryThreshold;

    // The base model: held-out accuracy per level, and pass@8 on the level above its frontier.
    const allLevels = Array.from({ length: levelCount }, (_, i) => i + 1);
    // Cached per base model and measurement settings (deterministic seeds): the same numbers, minutes saved.
    const baseEvalKey = createHash('sha256').update(JSON.stringify([baseModel, config.evaluation, config.estimation.temperature, config.estimation.maxTokens, levelCount])).digest('hex').slice(0, 12);
    const baseEvalFile = path.join(root, `base-eval-${baseEvalKey}.json`);
    let cached: { baseAcc: Acc; passAt8: number; next: number; problems: number } | undefined;
    try {
      cached = JSON.parse(readFileSync(baseEvalFile, 'utf8'));
    } catch {
      /* not measured yet */
    }
    const baseAcc = cached?.baseAcc ?? (await evaluate(chat, config, cur, baseModel, allLevels));
    const baseFrontier = frontierOf(baseAcc, threshold);
    const next = Math.min(baseFrontier + 1, levelCount);
    const nextProbs = cur.levels[next - 1]!.problems.filter((p) => p.heldOut).slice(0, 16);
    const passAt8 =
      cached?.passAt8 ??
      (await Promise.all(nextProbs.map((p, i) => sample(chat, baseModel, p, 8, config.estimation.temperature, config.estimation.maxTokens, 1000 + i)))).filter((r) => r.some((s) => s.correct)).length / nextProbs.length;
    if (!cached) writeFileSync(baseEvalFile, JSON.stringify({ baseAcc, passAt8, next, problems: nextProbs.length }) + '\n');
    out(`[${elapsed()}] base model: ${fmtAcc(baseAcc)}; frontier L${baseFrontier}; pass@8 on L${next} = ${(passAt8 * 100).toFixed(0)}% (${nextProbs.length} problems, T=${config.estimation.temperature})`);
    Object.assign(results, { baseAccuracy: baseAcc, baseFrontier, basePassAt8: { level: next, value: passAt8, problems: nextProbs.length } });
    save();

    // The campaign under Temporal, and (steps) the same campaign without step checkers.
    const temporal = await connectOrStartServer({});
    const { client, connection } = await connectClient(temporal);
    type Row = { round: number; frontier: number; band: number; selected?: number; examples: number; model: string; outcome: string; accuracy: Acc; candidateFrontier?: number; valid?: Acc; time?: RoundTime };
    const validCache = new Map<string, Acc>();
    const runCampaign = async (label: string, cfg: ResolvedCampaignConfig): Promise<{ rows: Row[]; summaries: RoundSummary[] }> => {
      const taskQueue = `real-loop/${cfg.name}`;
      const { worker, connection: wconn } = await createWorker({ ...temporal, taskQueue });
      let summaries: RoundSummary[] = [];
      const rows: Row[] = [];
      try {
        out(`[${elapsed()}] ${label}: campaign ${cfg.name} under Temporal (${temporal.address}), ${cfg.stopping.maxRounds} rounds at most`);
        const handle = await startCampaign(client, { config: cfg }, { taskQueue });
        // The client's wait for the result is a long poll on the workflow's history: on a loaded machine one
        // poll can fail (a ServiceError, seen once after a round) while the campaign runs on. Wait again, a few
        // times at most, before giving up.
        const result = async () => {
          for (let tries = 1; ; tries++) {
            try {
              return await client.workflow.getHandle(handle.workflowId).result();
            } catch (err) {
              if (!(err instanceof ServiceError) || tries >= 5) throw err;
              out(`[${elapsed()}] waiting for the campaign's result failed (${err.message}); waiting again (${tries}/5)`);
              await new Promise((r) => setTimeout(r, 5000));
            }
          }
        };
        const outcome = await worker.runUntil(result());
        summaries = outcome.rounds;
        // The campaign's own held-out evaluation of each round's candidate (levels up to the frontier + 1). The
        // frontier of a round is that of the campaign's current model: the candidate if promoted, else the parent's.
        let current: { model: string; acc: Acc } = { model: baseModel, acc: baseAcc };
        for (const s of summaries) {
          const acc: Acc = {};
          for (const [idx, e] of Object.entries(s.evaluation)) acc[Number(idx) + 1] = e.accuracy;
          if (s.promoted) current = { model: s.model, acc };
          const frontier = frontierOf(current.acc, threshold);
          const time = await roundTime(client, cfg.name, s.round, proxy.intervals, jobsDir);
          // Validity of the current model's correct held-out answers, levels up to the frontier + 1 (measured after the campaign, outside its rounds).
          const key = `${current.model}:${frontier}`;
          const valid = hasCheckers ? validCache.get(key) ?? (await evaluateSteps(chat, cfg, cur, current.model, allLevels.filter((l) => l <= Math.max(frontier, 1) + 1))).valid : {};
          validCache.set(key, valid);
          rows.push({ round: s.round, frontier, candidateFrontier: frontierOf(acc, threshold), band: s.inBand, ...(s.selected !== undefined ? { selected: s.selected } : {}), examples: s.datasetExamples, model: current.model, outcome: s.outcome, accuracy: current.acc, valid, time });
          out(
            `[${elapsed()}] ${label} round ${s.round}: frontier L${frontier} (campaign at L${s.frontier + 1}), band ${s.inBand}, problems ${s.selected ?? '-'}, examples ${s.datasetExamples}, candidate ${s.outcome}: ${fmtAcc(acc)}; current model: ${fmtAcc(current.acc)}` +
              (hasCheckers ? `; valid steps: ${fmtValid(valid)}` : '') +
              `; orchestration ${fmtPct(time.share)} of ${time.wallS.toFixed(0)} s (sampling ${time.samplingS.toFixed(0)} s, training ${time.trainingS.toFixed(0)} s)`,
          );
        }
      } finally {
        await wconn.close();
      }
      return { rows, summaries };
    };
    const hasCheckers = cur.levels.some((l) => (l.stepCheckers ?? []).length > 0);
    const fmtValid = (v: Acc) => Object.entries(v).map(([l, x]) => `L${l} ${fmtPct(x)}`).join(' ') || '-';
    if (hasCheckers) {
      const baseValidFile = path.join(root, `base-valid-${baseEvalKey}.json`);
      const baseValid: Acc = existsSync(baseValidFile) ? JSON.parse(readFileSync(baseValidFile, 'utf8')) : (await evaluateSteps(chat, config, cur, baseModel, allLevels)).valid;
      writeFileSync(baseValidFile, JSON.stringify(baseValid) + '\n');
      out(`[${elapsed()}] base model: valid steps (correct held-out answers whose every step passes ${[...new Set(cur.levels.flatMap((l) => (l.stepCheckers ?? []).map((c) => c.name ?? c.kind)))].join(', ')}): ${fmtValid(baseValid)}`);
      Object.assign(results, { baseValid });
    }
    let mainRows: Row[] = [];
    let summaries: RoundSummary[] = [];
    let noCheckRows: Row[] | undefined;
    const methodRows: Partial<Record<(typeof ALL_METHODS)[number], Row[]>> = {};
    try {
      if (MAIN) {
        ({ rows: mainRows, summaries } = await runCampaign('main', config));
        (results.configs as Record<string, unknown>).main = mainRows;
        save();
      }
      if (hasCheckers && NO_CHECKER) {
        const plain = withoutStepCheckers(config.curriculumPath, outDir);
        noCheckRows = (await runCampaign('no checker', { ...config, name: `${config.name}-no-checker`, curriculumPath: plain })).rows;
        (results.configs as Record<string, unknown>)['no-checker'] = noCheckRows;
        save();
      }
      if (METHODS) {
        const methodCurriculum = hasCheckers && !METHOD_CHECKERS ? withoutStepCheckers(config.curriculumPath, outDir) : config.curriculumPath;
        for (const method of METHOD_NAMES) {
          const cfg: ResolvedCampaignConfig = {
            ...config,
            curriculumPath: methodCurriculum,
            name: `${config.name}-${method}`,
            band: { ...config.band, maxProblems: METHOD_PROBLEMS },
            fineTune: { ...config.fineTune, method, ...(Object.keys(DPO_HP).length ? { dpo: DPO_HP } : {}) },
            stopping: { ...config.stopping, maxRounds: METHOD_ROUNDS, maxRoundsWithoutPromotion: METHOD_ROUNDS },
          };
          if (method !== 'sft' && Object.keys(DPO_HP).length) out(`[${elapsed()}] ${method}: DPO jobs with ${JSON.stringify(DPO_HP)}`);
          methodRows[method] = (await runCampaign(method, cfg)).rows;
          (results.configs as Record<string, unknown>)[`method-${method}`] = methodRows[method];
          save();
        }
      }
    } finally {
      await connection.close();
      await temporal.stop();
    }

    // Ablations: the same examples per round, other data.
    const ablation = async (kind: 'all-levels' | 'unfiltered') => {
      const rows: Row[] = [];
      let parent = baseModel;
      let frontier = baseFrontier;
      const replayed: string[] = [];
      for (const s of summaries) {
        const total = s.datasetExamples;
        if (total === 0) continue;
        // The same replay as the campaign's dataset (base data and this ablation's earlier rounds, the same
        // fraction), so the ablations differ from the campaign only in their new examples.
        const want = Math.round(total / (1 + config.dataset.replayFraction));
        const levels = kind === 'all-levels' ? allLevels : [frontier, Math.min(frontier + 1, levelCount)];
        const pool = levels.flatMap((l) => cur.levels[l - 1]!.problems.filter((p) => !p.heldOut));
        const order = pool.map((p) => ({ p, r: createHash('sha256').update(`${kind}:${s.round}:${p.id}`).digest('hex') })).sort((a, b) => (a.r < b.r ? -1 : 1)).map((x) => x.p);
        const lines: string[] = [];
        for (let j = 0; j < order.length && lines.length < want; j += 16) {
          const batch = order.slice(j, j + 16);
          const res = await Promise.all(batch.map((p, k) => sample(chat, parent, p, config.traces.perProblem, config.estimation.temperature, config.estimation.maxTokens, s.round * 10000 + j + k)));
          batch.forEach((p, k) => {
            for (const r of res[k]!) {
              if (lines.length >= want) break;
              if (kind === 'all-levels' && !r.correct) continue;
              lines.push(JSON.stringify({ messages: [{ role: 'system', content: COT_SYSTEM_PROMPT }, { role: 'user', content: problemPrompt(p.question) }, { role: 'assistant', content: r.content }] }));
            }
          });
        }
        const replayPool = [baseData, ...replayed].flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim() !== ''));
        const replay = replayPool
          .map((l, i) => ({ l, r: createHash('sha256').update(`${kind}:replay:${s.round}:${i}`).digest('hex') }))
          .sort((a, b) => (a.r < b.r ? -1 : 1))
          .slice(0, total - lines.length)
          .map((x) => x.l);
        const file = path.join(outDir, `${kind}-r${s.round}.jsonl`);
        writeFileSync(file, [...lines, ...replay].join('\n') + '\n');
        replayed.push(file);
        const job = await ft.createJob({ baseModel, parent: { model: parent }, trainingFileId: file, suffix: kind, key: `real-loop-${stamp}-${kind}-r${s.round}`, seed: s.round, hyperparameters: { nEpochs: config.fineTune.nEpochs, learningRate: config.fineTune.learningRate, batchSize: config.fineTune.batchSize } });
        parent = await waitJob(ft, job.id);
        // Evaluated like the campaign's rounds: every level up to the one above the frontier (and one more).
        const acc = await evaluate(chat, config, cur, parent, allLevels.filter((l) => l <= frontier + 2));
        frontier = Math.max(1, frontierOf(acc, threshold));
        rows.push({ round: s.round, frontier: frontierOf(acc, threshold), band: 0, examples: lines.length + replay.length, model: parent, outcome: 'trained', accuracy: acc });
        out(`[${elapsed()}] ${kind} round ${s.round}: examples ${lines.length} new + ${replay.length} replayed; ${fmtAcc(acc)}`);
        (results.configs as Record<string, unknown>)[kind] = rows;
        save();
      }
      (results.configs as Record<string, unknown>)[kind] = rows;
      return rows;
    };
    const allRows = ABLATIONS ? await ablation('all-levels') : [];
    const unfRows = ABLATIONS ? await ablation('unfiltered') : [];

    // Side by side.
    out();
    out('round | main: frontier band examples accuracy          | all-levels: frontier accuracy | unfiltered: frontier accuracy');
    for (const r of mainRows) {
      const a = allRows.find((x) => x.round === r.round);
      const u = unfRows.find((x) => x.round === r.round);
      out(`${String(r.round).padStart(5)} | L${r.frontier} ${String(r.band).padStart(3)} ${String(r.examples).padStart(4)} ${fmtAcc(r.accuracy)} | ${a ? `L${a.frontier} ${fmtAcc(a.accuracy)}` : '-'} | ${u ? `L${u.frontier} ${fmtAcc(u.accuracy)}` : '-'}`);
    }
    const finalOf = (rows: Row[]) => (rows.length ? rows[rows.length - 1]!.frontier : baseFrontier);
    if (METHODS) {
      out();
      out(`methods (${METHOD_PROBLEMS} band problems a round at most): round | ${METHOD_NAMES.join(' | ')}`);
      const rounds = Math.max(...METHOD_NAMES.map((m) => methodRows[m]?.length ?? 0));
      for (let i = 0; i < rounds; i++) {
        const cell = (r: Row | undefined) => (r ? `L${r.frontier} ${r.outcome} problems ${r.selected ?? '-'} examples ${r.examples}: ${fmtAcc(r.accuracy)}` : '-');
        out(`${String(i + 1).padStart(5)} | ${METHOD_NAMES.map((m) => cell(methodRows[m]?.[i])).join(' | ')}`);
      }
    }
    Object.assign(results, {
      final: { main: finalOf(mainRows), allLevels: finalOf(allRows), unfiltered: finalOf(unfRows), ...Object.fromEntries(METHOD_NAMES.map((m) => [`method-${m}`, methodRows[m] ? finalOf(methodRows[m]!) : undefined])) },
    });
    save();
    const plot = spawnSync(projectPython(), ['-m', 'strawberry_local.plot', path.join(outDir, 'results.json'), path.join(outDir, 'accuracy.png')], { env: pythonEnv(), encoding: 'utf8' });
    out(plot.status === 0 ? `results: ${path.join(outDir, 'results.json')}, plot: ${path.join(outDir, 'accuracy.png')} (wall ${elapsed()})` : `plot failed: ${plot.stderr}`);
    if (MAIN) out(`real-loop: base frontier ${baseFrontier}, final frontier ${finalOf(mainRows)} after ${mainRows.length} rounds; all-levels ${ABLATIONS ? finalOf(allRows) : '-'}; unfiltered ${ABLATIONS ? finalOf(unfRows) : '-'}`);
    if (METHODS) out(`real-loop methods: ${METHOD_NAMES.map((m) => `${m} ${finalOf(methodRows[m]!)}`).join(', ')} (base ${baseFrontier})`);
    if (MAIN && EVAL) {
      // Base and final model on every level, pass@1/pass@8/maj@8 (issue 25).
      const finalModel = mainRows.length ? mainRows[mainRows.length - 1]!.model : baseModel;
      out(`[${elapsed()}] eval: pass@1/pass@${EVAL_K}/maj@${EVAL_K} (%), ${EVAL_K} samples of each of up to ${config.evaluation.maxHeldOutPerLevel} held-out problems a level, T=${config.estimation.temperature}`);
      const evals: Record<string, AtK> = {};
      for (const [name, model] of [['base', baseModel], ['final', finalModel]] as const) {
        evals[name] = await evaluateAtK(chat, config, cur, model, allLevels, EVAL_K);
        out(`real-loop eval ${name}: ${fmtAtK(evals[name]!)}`);
      }
      Object.assign(results, { evalAtK: { k: EVAL_K, temperature: config.estimation.temperature, base: evals.base, final: { model: finalModel, ...evals.final } } });
      save();
    }
    if (hasCheckers && MAIN) {
      // Validity after: the final model of each campaign on every level up to its frontier + 1 (before: the base model's line above).
      const last = (rows: Row[]) => rows[rows.length - 1];
      const validAt = (rows: Row[]) => {
        const r = last(rows);
        return r ? r.valid?.[Math.max(r.frontier, 1)] : undefined;
      };
      const f2 = noCheckRows ? finalOf(noCheckRows) : undefined;
      out(`valid steps after: main ${fmtValid(last(mainRows)?.valid ?? {})}${noCheckRows ? `; no checker ${fmtValid(last(noCheckRows)?.valid ?? {})}` : ''}`);
      const shares = [...mainRows, ...(noCheckRows ?? [])].map((r) => r.time?.share).filter((x): x is number => x !== undefined);
      out(`orchestration share of a round: median ${fmtPct(shares.sort((a, b) => a - b)[Math.floor(shares.length / 2)])}, max ${fmtPct(Math.max(...shares))} (${shares.length} rounds)`);
      Object.assign(results, { final: { ...(results.final as object), noChecker: f2 } });
      save();
      out(`real-loop steps: base frontier ${baseFrontier}, final frontier ${finalOf(mainRows)} after ${mainRows.length} rounds, valid ${fmtPct(validAt(mainRows))} at ${finalOf(mainRows)}; no checker ${f2 ?? '-'} (valid ${noCheckRows ? fmtPct(validAt(noCheckRows)) : '-'})`);
    }
  } finally {
    await server.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:real-loop failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
