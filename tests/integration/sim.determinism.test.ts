import path from 'node:path';
import { loadCurriculum } from '../../lib/curriculum/load';
import type { Curriculum } from '../../lib/curriculum/types';
import { COT_SYSTEM_PROMPT, continuePrompt, FINAL_CHECK_PROMPT, problemPrompt, STEP_SYSTEM_PROMPT, VERIFIER_SYSTEM_PROMPT, verifierPrompt } from '../../lib/traces/prompts';
import { startSim, type RunningSim } from '../../sim/server';

/** The same requests give byte-identical response bodies whatever the concurrency or order. */

const CURRICULUM = path.resolve(__dirname, '../../curricula/arithmetic.yaml');
let curriculum: Curriculum;
let sim: RunningSim;

beforeAll(async () => {
  curriculum = await loadCurriculum(CURRICULUM);
  sim = await startSim({ curricula: [curriculum] });
});
afterAll(() => sim?.close());

function requests(): string[] {
  const out: object[] = [];
  const problems = curriculum.levels.flatMap((l) => l.problems.slice(0, 3));
  problems.forEach((p, i) => {
    const user = { role: 'user', content: problemPrompt(p.question) };
    out.push({ model: 'sim-student', messages: [user], n: 20, seed: i });
    out.push({ model: 'sim-student', messages: [user], n: 4, temperature: 0.3 });
    out.push({ model: 'sim-student', messages: [{ role: 'system', content: COT_SYSTEM_PROMPT }, user], n: 2, seed: 3 });
    out.push({
      model: 'sim-student',
      messages: [{ role: 'system', content: STEP_SYSTEM_PROMPT }, user, { role: 'assistant', content: 'Step 1: Compute\nx\nNow: 12' }, { role: 'user', content: i % 2 ? continuePrompt(1) : FINAL_CHECK_PROMPT }],
      seed: i,
    });
    out.push({ model: 'sim-teacher', messages: [{ role: 'system', content: VERIFIER_SYSTEM_PROMPT }, { role: 'user', content: verifierPrompt(p.question, ['Step 1: Compute\nx\nNow: 12']) }], seed: i });
  });
  return out.map((b) => JSON.stringify(b));
}

async function post(body: string): Promise<string> {
  const res = await fetch(`${sim.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sim-test-key', 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
  return res.text();
}

async function runAll(bodies: string[], concurrency: number, order: number[]): Promise<string[]> {
  const out = new Array<string>(bodies.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < order.length) {
        const i = order[next++]!;
        out[i] = await post(bodies[i]!);
      }
    }),
  );
  return out;
}

it('gives byte-identical bodies at concurrency 1 and 32, in any order, and across sim instances', async () => {
  const bodies = requests();
  const forward = bodies.map((_, i) => i);
  const shuffled = [...forward].sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101));
  const serial = await runAll(bodies, 1, forward);
  const parallel = await runAll(bodies, 32, shuffled);
  expect(parallel).toEqual(serial);
  const other = await startSim({ curricula: [CURRICULUM] });
  try {
    const again = await Promise.all(bodies.slice(0, 10).map((b) => fetch(`${other.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: b }).then((r) => r.text())));
    expect(again).toEqual(serial.slice(0, 10));
  } finally {
    await other.close();
  }
  // Different seeds do give different samples.
  expect(new Set(serial.filter((_, i) => i % 5 === 0)).size).toBeGreaterThan(1);
});
