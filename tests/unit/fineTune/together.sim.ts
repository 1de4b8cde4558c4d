import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createFineTuneProvider, type FineTuneJob } from '../../../lib/providers/fineTune';
import { TogetherProvider } from '../../../lib/providers/together';
import type { ServingOptions } from '../../../lib/providers/types';
import { startSim, type RunningSim } from '../../../sim/server';
import type { SimConfigInput } from '../../../sim/config';

/** The sim in its Together shape, in this process (no Temporal, no Python): what the row tests of issue 21 run against. */
export const SIM_ENV = 'STRAWBERRY_TEST_TOGETHER_SIM_KEY';
const CURRICULUM = path.resolve(__dirname, '../../../curricula/arithmetic.yaml');

export async function startTogetherSim(provider: Record<string, unknown> = {}): Promise<RunningSim> {
  process.env[SIM_ENV] = 'sim-test-key';
  const config = { provider: { kind: 'together', deploymentSeconds: 0, ...provider }, jobs: { validatingSeconds: 0, queuedSeconds: 0, runningSeconds: 0.05 } } as SimConfigInput;
  return startSim({ curricula: [CURRICULUM], config });
}

export function togetherOn(sim: RunningSim, serving: ServingOptions = { hardware: 'sim-gpu-1x' }): TogetherProvider {
  return new TogetherProvider({ kind: 'together', baseURL: sim.baseURL, apiKeyEnv: SIM_ENV, serving });
}

export const fineTuneOn = (sim: RunningSim) => createFineTuneProvider({ kind: 'together', baseURL: sim.baseURL, apiKeyEnv: SIM_ENV });

/** A training file of `n` chat examples (the sim wants at least 10). */
export async function trainingFile(dir: string, n: number): Promise<string> {
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `${i}+1` }, { role: 'assistant', content: `\\boxed{${i + 1}}` }] }));
  const file = path.join(dir, `train-${n}.jsonl`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** Polls a job until it leaves pending/running (bounded). */
export async function settle(provider: { getJob(id: string): Promise<FineTuneJob> }, id: string): Promise<FineTuneJob> {
  for (let i = 0; i < 200; i++) {
    const job = await provider.getJob(id);
    if (job.status !== 'pending' && job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not settle`);
}
