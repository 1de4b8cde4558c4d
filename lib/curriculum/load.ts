import { UserError } from '../errors';
import { GeneratorExhaustedError, generateArithmetic } from './generators/arithmetic';
import { heldOutIds } from './heldOut';
import { sha256Hex } from './random';
import { curriculumSchema, type GeneratorSourceSpec, type JsonlSourceSpec, type LevelSpec } from './schema';
import { filterRows, type JsonlRows, readJsonlRows } from './sources/jsonlSource';
import { MissingEnvVarError, resolveDataPath } from './sources/resolvePath';
import type { Curriculum, Level, Problem } from './types';
import { displayPath, locate, parseWithSchema, readYamlFile, type YamlFile } from './yamlFile';

/** A problem's source-level shape before it is placed in a level. */
interface RawProblem {
  id?: string;
  question: string;
  answer: string;
  steps: number;
  skill?: string;
}

/** The id of a problem without an id of its own: a prefix of the sha256 of its question. */
export function questionId(question: string): string {
  return `q-${sha256Hex(question).slice(0, 16)}`;
}

/**
 * Loads, validates and expands a curriculum file. Bad input throws a UserError naming the file, line and
 * field path (or the data file's `file:line` and field). Non-fatal notes go to `warnings`.
 */
export async function loadCurriculum(file: string): Promise<Curriculum> {
  const yaml = await readYamlFile(file);
  const spec = parseWithSchema(yaml, curriculumSchema);
  const warnings: string[] = [];
  // Several levels usually share one data file (GSM8K by steps): read and parse it once.
  const fileCache = new Map<string, Promise<JsonlRows>>();
  const seenIds = new Map<string, string>();

  const levels: Level[] = [];
  for (const [index, levelSpec] of spec.levels.entries()) {
    const raw = await levelProblems(yaml, index, levelSpec, spec.seed, fileCache, warnings);
    const unique: RawProblem[] = [];
    let duplicates = 0;
    for (const p of raw) {
      const id = p.id ?? questionId(p.question);
      if (seenIds.has(id)) {
        duplicates++;
        continue;
      }
      seenIds.set(id, levelSpec.id);
      unique.push({ ...p, id });
    }
    if (duplicates > 0) warnings.push(`level ${levelSpec.id}: dropped ${duplicates} problem(s) whose id already appeared earlier in the curriculum`);
    if (unique.length === 0) throw new UserError(locate(yaml, ['levels', index, 'source'], 'this source gives the level no problems (check the filter)'));

    const fraction = levelSpec.heldOutFraction ?? spec.heldOutFraction;
    const heldOut = heldOutIds(
      unique.map((p) => p.id!),
      fraction,
      spec.seed,
    );
    const problems: Problem[] = unique.map((p) => ({
      id: p.id!,
      levelId: levelSpec.id,
      levelIndex: index,
      skill: p.skill ?? levelSpec.skill,
      difficulty: levelSpec.difficulty,
      question: p.question,
      answer: p.answer,
      heldOut: spec.evalOnly || heldOut.has(p.id!),
      steps: p.steps,
    }));
    const stepCheckers = levelSpec.stepCheckers ?? spec.stepCheckers.filter((c) => !c.skills || c.skills.includes(levelSpec.skill));
    levels.push({ id: levelSpec.id, index, skill: levelSpec.skill, difficulty: levelSpec.difficulty, problems, heldOutFraction: fraction, ...(stepCheckers.length ? { stepCheckers } : {}) });
  }
  return { name: spec.name, answerType: spec.answerType, path: yaml.path, levels, seed: spec.seed, ...(spec.prompts ? { prompts: spec.prompts } : {}), warnings, ...(spec.evalOnly ? { evalOnly: true } : {}) };
}

async function levelProblems(
  yaml: YamlFile,
  index: number,
  level: LevelSpec,
  seed: number,
  fileCache: Map<string, Promise<JsonlRows>>,
  warnings: string[],
): Promise<RawProblem[]> {
  const source = level.source;
  if (source.kind === 'generator') return generated(yaml, index, source, seed);
  return fromFile(yaml, index, source, fileCache, warnings);
}

function generated(yaml: YamlFile, index: number, source: GeneratorSourceSpec, seed: number): RawProblem[] {
  try {
    const { kind: _kind, ...options } = source;
    return generateArithmetic(options, source.seed ?? seed);
  } catch (err) {
    if (err instanceof GeneratorExhaustedError) throw new UserError(locate(yaml, ['levels', index, 'source', 'count'], err.message));
    throw err;
  }
}

async function fromFile(
  yaml: YamlFile,
  index: number,
  source: JsonlSourceSpec,
  fileCache: Map<string, Promise<JsonlRows>>,
  warnings: string[],
): Promise<RawProblem[]> {
  let abs: string;
  try {
    abs = resolveDataPath(source.path, yaml.path);
  } catch (err) {
    if (err instanceof MissingEnvVarError)
      throw new UserError(
        locate(yaml, ['levels', index, 'source', 'path'], `environment variable ${err.variable} is not set (the path is ${JSON.stringify(source.path)}); set it or write the path out`),
      );
    throw err;
  }
  const key = JSON.stringify([abs, source.format, source.fields ?? null, source.onInvalidRow]);
  let pending = fileCache.get(key);
  if (!pending) {
    pending = readJsonlRows(abs, source);
    fileCache.set(key, pending);
    const read = await pending;
    if (read.skipped > 0) warnings.push(`${displayPath(abs)}: skipped ${read.skipped} invalid row(s); first: ${read.firstProblem}`);
  }
  const { rows } = await pending;
  const kept = filterRows(rows, source.filter);
  return (source.limit !== undefined ? kept.slice(0, source.limit) : kept).map((r) => ({
    id: r.id,
    question: r.question,
    answer: r.answer,
    steps: r.steps,
    skill: r.skill,
  }));
}
