import { priceOf } from '../lib/budget/cost';
import type { ResolvedCampaignConfig } from '../lib/config/load';
import { finalEvaluationPath, runFinalEvaluation, type FinalStage, type ModelToEvaluate } from '../lib/eval/finalEvaluation';
import { isEndpointReference } from '../lib/eval/referenceModel';
import { evalChatClient } from '../lib/eval/runEval';
import { withSignal, type ChatProvider } from '../lib/providers/chat';
import { activityLog, chatProvider, configOf, curriculumAt, openLedger, runStore } from './deps';
import { heldOutProblems } from './evaluation';
import { forEachWithProgress } from './sampling';

export interface FinalEvaluationInput {
  campaign: string;
  configHash: string;
  stage: FinalStage;
  baseModel: string;
  /** The campaign's final model (stage `final`). */
  model?: string;
  /** Model id -> the name chat requests use to reach it (a deployed final model). */
  served?: Record<string, string>;
}

/** What the workflow gets back: where the evaluation is kept and a few counts (never the rows). */
export interface FinalEvaluationRef {
  path: string;
  models: number;
  problems: number;
  /** Samples this attempt drew (0 when the ledger held them all). */
  drawn: number;
}

/** Ledger writer of the final evaluation: round 0 in usage and cost (it belongs to no round). */
const WRITER = 'eval-r0-final';

/** Clients of endpoint references, one per endpoint per worker process, so their rate limits hold across stages. */
const endpointClients = new Map<string, ChatProvider>();

/**
 * The final evaluation of a campaign (lib/eval/finalEvaluation.ts): at round 0 the base model and each
 * reference, at the end the base model, the final model and each reference, on the held-out problems of every
 * level; through the campaign's ledger, so what round 0 drew (and what an earlier attempt drew) is read back.
 * Writes `<campaign>/evaluation-<stage>.json`; `evaluation.finalK: 0` turns it off (returns undefined).
 */
export async function evaluateFinal(input: FinalEvaluationInput): Promise<FinalEvaluationRef | undefined> {
  const config = await configOf(input);
  const ev = config.evaluation;
  if (ev.finalK === 0) return undefined;
  const curriculum = await curriculumAt(config.curriculumPath);
  // Every level, the same problems at both stages (a fixed draw where a level has more than maxHeldOutPerLevel).
  const problems = heldOutProblems(curriculum.levels, new Set(curriculum.levels.map((l) => l.index)), ev.maxHeldOutPerLevel, `${input.campaign}:final`);
  const models = modelsOf(config, input);
  const result = await runFinalEvaluation({
    campaign: input.campaign,
    stage: input.stage,
    curriculum,
    problems,
    models,
    k: ev.finalK,
    sampling: { temperature: ev.temperature, maxTokens: config.estimation.maxTokens, seed: 0 },
    ledger: await openLedger(input.campaign, WRITER),
    forEach: forEachWithProgress,
    withSignal: (p, signal) => withSignal(p, signal),
  });
  const path = finalEvaluationPath(input.campaign, input.stage);
  await runStore().writeJsonAtomic(path, result);
  activityLog({ campaign: input.campaign, round: 0 }, 'final evaluation').info({ stage: input.stage, models: models.length, problems: problems.length, drawn: result.drawn }, 'final evaluation written');
  return { path, models: models.length, problems: problems.length, drawn: result.drawn };
}

/** The campaign's models of the stage, then each reference, with the client that reaches it. */
function modelsOf(config: ResolvedCampaignConfig, input: FinalEvaluationInput): ModelToEvaluate[] {
  // Named like providerFor's result, so these clients are the ones the rounds share (keyed by the config).
  const named = (name: string) => ({ name, ...config.providers[name]! });
  const studentName = config.student.provider;
  const studentConfig = named(studentName);
  const student = chatProvider(studentConfig, input.served);
  const own = (role: 'base' | 'final', model: string): ModelToEvaluate => ({
    name: role,
    role,
    model,
    endpoint: `provider:${studentName}`,
    provider: student,
    concurrency: studentConfig.concurrency,
    price: priceOf(config, studentName, model),
  });
  const models = [own('base', input.baseModel), ...(input.stage === 'final' && input.model ? [own('final', input.model)] : [])];
  for (const r of config.evaluation.references) {
    if (isEndpointReference(r)) {
      const key = JSON.stringify(r);
      let client = endpointClients.get(key);
      if (!client) endpointClients.set(key, (client = evalChatClient(r)));
      models.push({ name: r.name, role: 'reference', model: r.model, endpoint: `reference:${r.name}`, provider: client, concurrency: r.concurrency, price: r.price });
    } else {
      const name = r.provider ?? studentName;
      const p = named(name);
      models.push({ name: r.name, role: 'reference', model: r.model, endpoint: `provider:${name}`, provider: chatProvider(p), concurrency: p.concurrency, price: priceOf(config, name, r.model) });
    }
  }
  return models;
}
