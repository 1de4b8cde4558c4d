import type { SkillState } from '../lib/campaign/skills';
import type { RoundSummary } from '../lib/campaign/types';
import { loadCurriculum } from '../lib/curriculum';
import { table } from '../lib/format/table';
import type { ModelEntry } from '../lib/registry';

/** The CLI's tables: the rounds of a campaign, its model lineage, tokens, training jobs and deployments. */

/** A level by its curriculum id when known (`add-1digit`), else by its 0-based index (`L0`). */
function levelName(level: string | number, levelNames?: readonly string[]): string {
  return levelNames?.[Number(level)] ?? `L${level}`;
}

function accuracies(e: Record<string | number, { accuracy: number }> | undefined, levelNames?: readonly string[]): string {
  if (!e) return '';
  return Object.entries(e)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([level, v]) => `${levelName(level, levelNames)}:${(100 * v.accuracy).toFixed(0)}%`)
    .join(' ');
}

/** Level ids of a curriculum, for the tables; undefined when it cannot be read (the tables then show indices). */
export async function levelNamesOf(curriculumPath: string | undefined): Promise<string[] | undefined> {
  if (!curriculumPath) return undefined;
  try {
    return (await loadCurriculum(curriculumPath)).levels.map((l) => l.id);
  } catch {
    return undefined;
  }
}

/** Per-skill campaigns: one row per skill (its frontier, status and why when parked, samples drawn so far). */
export function skillStatesTable(skills: readonly SkillState[], levelNames?: readonly string[]): string {
  return table(
    ['skill', 'frontier', 'status', 'samples'],
    skills.map((k) => [k.skill, `${k.frontier} ${levelName(k.frontier, levelNames)}`, k.status === 'parked' && k.reason ? `parked: ${k.reason}` : k.status, String(k.samples)]),
  );
}

/** Per-skill campaigns: one row per round and skill (`report --json`: rounds[].skills[]). */
export function skillRoundsTable(rounds: readonly RoundSummary[], levelNames?: readonly string[]): string {
  return table(
    ['round', 'skill', 'share', 'frontier', 'in band', 'examples', 'samples', 'status after'],
    rounds.flatMap((r) =>
      (r.skills ?? []).map((k) => [
        String(r.round),
        k.skill,
        `${(100 * k.share).toFixed(0)}%`,
        k.nextFrontier !== k.frontier ? `${levelName(k.frontier, levelNames)} -> ${levelName(k.nextFrontier, levelNames)}` : levelName(k.frontier, levelNames),
        String(k.bandSize),
        String(k.examples),
        String(k.samples),
        k.reason ? `${k.status}: ${k.reason}` : k.status,
      ]),
    ),
  );
}

/** One row per round; `selected` is the number of in-band problems traces were generated for. */
export function roundsTable(rounds: readonly RoundSummary[], levelNames?: readonly string[]): string {
  return table(
    ['round', 'frontier', 'candidates', 'in band', 'selected', 'traces kept', 'examples', 'outcome', 'model', 'held-out accuracy per level'],
    rounds.map((r) => [
      String(r.round),
      levelNames?.[r.frontier] !== undefined ? `${r.frontier} ${levelNames[r.frontier]}` : String(r.frontier),
      String(r.candidates),
      String(r.inBand),
      r.selected !== undefined ? String(r.selected) : '',
      String(r.tracesKept),
      String(r.datasetExamples),
      r.outcome,
      r.model,
      accuracies(r.evaluation, levelNames),
    ]),
  );
}

export function lineageTable(models: readonly ModelEntry[], levelNames?: readonly string[]): string {
  return table(
    ['round', 'status', 'model', 'parent', 'job', 'held-out accuracy per level'],
    models.map((m) => [String(m.round), m.status, m.modelId, m.parent ?? '', m.jobId ?? '', accuracies(m.evaluation, levelNames)]),
  );
}

/** Chat tokens (and cost, with a price table) per round, phase and model. */
export function tokensTable(rows: readonly { round: number; phase: string; model: string; samples: number; promptTokens: number; completionTokens: number; cost?: number }[]): string {
  return table(
    ['round', 'phase', 'model', 'samples', 'prompt tokens', 'completion tokens', 'cost'],
    rows.map((r) => [String(r.round), r.phase, r.model, String(r.samples), String(r.promptTokens), String(r.completionTokens), r.cost === undefined ? '' : r.cost < 0.01 ? r.cost.toFixed(4) : r.cost.toFixed(2)]),
  );
}

const money = (c: number | undefined) => (c === undefined ? '' : c < 0.01 ? c.toFixed(4) : c.toFixed(2));

/** Fine-tune jobs (trained tokens, the provider's own price figure, our priced cost) and deployments (running time, cost). */
export function trainingTable(rows: readonly { round: number; model: string; jobId: string; method?: string; trainedTokens?: number; providerPrice?: number; cost?: number }[]): string {
  return table(
    ['round', 'method', 'model', 'job', 'trained tokens', 'provider price', 'cost'],
    rows.map((r) => [String(r.round), r.method ?? 'sft', r.model, r.jobId, r.trainedTokens === undefined ? '?' : String(r.trainedTokens), r.providerPrice === undefined ? '' : String(r.providerPrice), money(r.cost)]),
  );
}

export function deploymentsTable(rows: readonly { round: number; model: string; id: string; seconds: number; live: boolean; cost?: number }[]): string {
  return table(
    ['round', 'model', 'deployment', 'hours', 'cost'],
    rows.map((r) => [String(r.round), r.model, r.id, `${(r.seconds / 3600).toFixed(2)}${r.live ? ' (live)' : ''}`, money(r.cost)]),
  );
}
