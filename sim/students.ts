import type { Problem } from '../lib/curriculum/types';
import type { SimConfig } from './config';
import { hashUnit } from './hash';

/** What the sim knows of a model: its ability per skill, and the ability of skills it has never seen. */
export interface Abilities {
  abilities: Record<string, number>;
  defaultAbility: number;
}

export function abilityFor(model: Abilities, skill: string): number {
  return model.abilities[skill] ?? model.defaultAbility;
}

/** A problem's difficulty plus its fixed pseudo-random jitter, so problems of one level differ a little. */
export function effectiveDifficulty(problem: Problem, cfg: SimConfig): number {
  return problem.difficulty + cfg.sampling.problemJitter * (2 * hashUnit('jitter', problem.id) - 1);
}

/** Spread of the pass curve: grows with temperature (a greedy student is more decisive). */
export function temperatureScale(temperature: number, cfg: SimConfig): number {
  return cfg.sampling.scaleBase + cfg.sampling.scaleTemperature * temperature;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** p = sigmoid((ability - difficulty) / scale(T)): the probability that one sample solves the problem. */
export function passProbability(model: Abilities, problem: Problem, temperature: number, cfg: SimConfig): number {
  return sigmoid((abilityFor(model, problem.skill) - effectiveDifficulty(problem, cfg)) / temperatureScale(temperature, cfg));
}
