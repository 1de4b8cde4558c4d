import path from 'node:path';
import { loadCurriculum } from '../../../lib/curriculum/load';
import type { Curriculum, Problem } from '../../../lib/curriculum/types';
import { formatFinalAnswer, problemPrompt } from '../../../lib/traces/prompts';
import { parseSimConfig } from '../../../sim/config';
import { ProblemIndex } from '../../../sim/problems';
import { abilityFor, passProbability, type Abilities } from '../../../sim/students';
import { trainAbilities } from '../../../sim/training';
import type { TrainingExample } from '../../../sim/trainingFile';

const cfg = parseSimConfig({});
const base: Abilities = cfg.models.find((m) => m.id === 'sim-student')!;
let curriculum: Curriculum;
let index: ProblemIndex;

beforeAll(async () => {
  curriculum = await loadCurriculum(path.resolve(__dirname, '../../../curricula/arithmetic.yaml'));
  index = new ProblemIndex([curriculum]);
});

const level = (d: number) => curriculum.levels.find((l) => l.difficulty === d)!;
const train = (d: number) => level(d).problems.filter((p) => !p.heldOut);
const heldOut = (d: number) => level(d).problems.filter((p) => p.heldOut);
const meanPass = (m: Abilities, problems: Problem[], t = 1) => problems.reduce((s, p) => s + passProbability(m, p, t, cfg), 0) / problems.length;
const example = (p: Problem, answer = p.answer): TrainingExample => ({
  messages: [
    { role: 'user', content: problemPrompt(p.question) },
    { role: 'assistant', content: `Step 1: Compute\nwork\nNow: ${answer}` },
    { role: 'assistant', content: formatFinalAnswer(answer) },
  ],
});

describe('sim student dynamics on curricula/arithmetic.yaml', () => {
  it('the base student is near-perfect on level 1, barely solves levels 2-3 and fails from level 5', () => {
    expect(meanPass(base, level(1).problems)).toBeGreaterThan(0.9);
    for (const d of [2, 3]) {
      expect(meanPass(base, level(d).problems)).toBeGreaterThan(0.03);
      expect(meanPass(base, level(d).problems)).toBeLessThan(0.6);
    }
    for (const d of [5, 6, 7]) expect(meanPass(base, level(d).problems)).toBeLessThan(0.01);
  });

  it('a higher temperature flattens the pass curve', () => {
    expect(meanPass(base, level(1).problems, 0)).toBeGreaterThan(meanPass(base, level(1).problems, 1.5));
    expect(meanPass(base, level(3).problems, 0)).toBeLessThan(meanPass(base, level(3).problems, 1.5));
  });

  it('training on in-band correct traces raises the pass rate just above the ability', () => {
    const inBand = [...train(2).slice(0, 15), ...train(3).slice(0, 10)];
    const examples = inBand.flatMap((p) => [example(p), example(p)]);
    const { child } = trainAbilities(base, examples, index, cfg);
    expect(meanPass(child, heldOut(3)) - meanPass(base, heldOut(3))).toBeGreaterThan(0.15);
    // About one level per round: the gain is between half a level and a level and a half.
    const gain = abilityFor(child, 'arithmetic') - abilityFor(base, 'arithmetic');
    expect(gain).toBeGreaterThan(0.5);
    expect(gain).toBeLessThan(1.5);
  });

  it('training on far-too-hard problems changes little', () => {
    const examples = train(6).slice(0, 25).flatMap((p) => [example(p), example(p)]);
    const { child } = trainAbilities(base, examples, index, cfg);
    expect(Math.abs(meanPass(child, heldOut(3)) - meanPass(base, heldOut(3)))).toBeLessThan(0.01);
    expect(Math.abs(abilityFor(child, 'arithmetic') - abilityFor(base, 'arithmetic'))).toBeLessThan(0.02);
  });

  it('far-too-easy problems teach much less than in-band ones', () => {
    const easy = trainAbilities(base, train(1).slice(0, 25).map((p) => example(p)), index, cfg).child;
    const inBand = trainAbilities(base, train(2).slice(0, 25).map((p) => example(p)), index, cfg).child;
    expect(abilityFor(inBand, 'arithmetic') - 2).toBeGreaterThan(3 * (abilityFor(easy, 'arithmetic') - 2));
  });

  it('wrong examples lower the pass rate', () => {
    const examples = train(2).slice(0, 20).map((p) => example(p, String(Number(p.answer) + 1)));
    const { child, skills } = trainAbilities(base, examples, index, cfg);
    expect(skills.arithmetic!.wrong).toBeGreaterThan(0);
    expect(meanPass(child, heldOut(2))).toBeLessThan(meanPass(base, heldOut(2)) - 0.05);
  });

  it('repeats of one problem give diminishing returns', () => {
    const p = train(2)[0]!;
    const repeated = trainAbilities(base, Array.from({ length: 20 }, () => example(p)), index, cfg).child;
    const distinct = trainAbilities(base, train(2).slice(0, 20).map((q) => example(q)), index, cfg).child;
    expect(abilityFor(repeated, 'arithmetic')).toBeLessThan(abilityFor(distinct, 'arithmetic') - 0.2);
  });

  it('skills absent from the data decay slightly; unknown problems teach nothing', () => {
    const parent: Abilities = { abilities: { arithmetic: 2, geometry: 3 }, defaultAbility: 2 };
    const unknown: TrainingExample = { messages: [{ role: 'user', content: problemPrompt('What is the meaning of life?') }, { role: 'assistant', content: '\\boxed{42}' }] };
    const r = trainAbilities(parent, [...train(2).slice(0, 10).map((p) => example(p)), unknown], index, cfg);
    expect(r.unknown).toBe(1);
    expect(r.child.abilities.geometry).toBeCloseTo(3 - cfg.training.forgetting);
    expect(r.child.defaultAbility).toBeCloseTo(2 - cfg.training.forgetting);
  });
});
