import path from 'node:path';
import { loadCurriculum } from '../../../lib/curriculum/load';
import type { Curriculum, Problem } from '../../../lib/curriculum/types';
import { COT_SYSTEM_PROMPT, formatFinalAnswer, problemPrompt } from '../../../lib/traces/prompts';
import { parseSimConfig } from '../../../sim/config';
import { validatePreferenceFile } from '../../../sim/preferenceFile';
import { ProblemIndex } from '../../../sim/problems';
import { abilityFor, type Abilities } from '../../../sim/students';
import { trainAbilities } from '../../../sim/training';

/** The sim's preference files and its documented way of learning from pairs (sim/README.md, "Learning from preference pairs"). */
const cfg = parseSimConfig({ training: { preferenceWeight: 1, dpoDrift: 0.2 } });
const base: Abilities = cfg.models.find((m) => m.id === 'sim-student')!;
let curriculum: Curriculum;
let index: ProblemIndex;

beforeAll(async () => {
  curriculum = await loadCurriculum(path.resolve(__dirname, '../../../curricula/arithmetic.yaml'));
  index = new ProblemIndex([curriculum]);
});

const line = (p: Problem, preferred = p.answer, rejected = `${p.answer}1`) => ({
  input: { messages: [{ role: 'system', content: COT_SYSTEM_PROMPT }, { role: 'user', content: problemPrompt(p.question) }] },
  preferred_output: [{ role: 'assistant', content: `work\n${formatFinalAnswer(preferred)}` }],
  non_preferred_output: [{ role: 'assistant', content: `work\n${formatFinalAnswer(rejected)}` }],
});
const file = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
const inBand = () => curriculum.levels.filter((l) => l.difficulty === 2 || l.difficulty === 3).flatMap((l) => l.problems.filter((p) => !p.heldOut).slice(0, 12));

describe('sim preference files', () => {
  it('refuses a broken line with the provider\'s error, naming the line and the field', () => {
    const lines: unknown[] = inBand().slice(0, 11).map((p) => line(p));
    lines[4] = { ...(lines[4] as object), non_preferred_output: [] };
    const r = validatePreferenceFile(file(lines), 10);
    expect(r).toEqual({ error: { code: 'invalid_training_file', message: 'The job failed due to an invalid training file. line 5: non_preferred_output: expected exactly one assistant message' } });
    expect(validatePreferenceFile(file([{ messages: [{ role: 'user', content: 'x' }] }]), 1)).toMatchObject({ error: { message: expect.stringContaining('line 1: input.messages: expected a non-empty array') } });
    expect(validatePreferenceFile(file(lines.slice(0, 3).map((_, i) => line(inBand()[i]!))), 10)).toMatchObject({ error: { code: 'invalid_n_examples' } });
  });

  it('pairs teach like correct examples (the preferred output), and a wrong preferred output costs nothing', () => {
    const problems = inBand();
    const r = validatePreferenceFile(file(problems.map((p) => line(p))), 10);
    if (!('examples' in r)) throw new Error(r.error.message);
    const dpo = { evidenceWeight: cfg.training.preferenceWeight, penaliseWrong: false, drift: 0 };
    const sftGain = abilityFor(trainAbilities(base, r.examples, index, cfg).child, 'arithmetic') - abilityFor(base, 'arithmetic');
    const dpoGain = abilityFor(trainAbilities(base, r.examples, index, cfg, {}, undefined, dpo).child, 'arithmetic') - abilityFor(base, 'arithmetic');
    expect(dpoGain).toBeGreaterThan(0.3);
    expect(dpoGain).toBeCloseTo(sftGain, 9);
    const wrong = validatePreferenceFile(file(problems.map((p) => line(p, `${p.answer}9`, p.answer))), 10);
    if (!('examples' in wrong)) throw new Error(wrong.error.message);
    expect(abilityFor(trainAbilities(base, wrong.examples, index, cfg, {}, undefined, dpo).child, 'arithmetic')).toBeCloseTo(abilityFor(base, 'arithmetic'), 9);
    expect(abilityFor(trainAbilities(base, wrong.examples, index, cfg).child, 'arithmetic')).toBeLessThan(abilityFor(base, 'arithmetic'));
  });

  it('dpoDrift takes its toll from every skill of a DPO job without an SFT parent', () => {
    const r = validatePreferenceFile(file(inBand().map((p) => line(p))), 10);
    if (!('examples' in r)) throw new Error(r.error.message);
    const anchored = trainAbilities(base, r.examples, index, cfg, {}, undefined, { evidenceWeight: 1, penaliseWrong: false, drift: 0 });
    const drifting = trainAbilities(base, r.examples, index, cfg, {}, undefined, { evidenceWeight: 1, penaliseWrong: false, drift: cfg.training.dpoDrift });
    expect(abilityFor(anchored.child, 'arithmetic') - abilityFor(drifting.child, 'arithmetic')).toBeCloseTo(0.2, 9);
  });
});
