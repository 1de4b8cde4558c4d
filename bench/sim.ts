/**
 * `npm run bench:sim`: the sim's capacity in chat completions (choices) per second, with n = 1 and n = 20,
 * over real HTTP on loopback with 16 requests in flight, so other benchmarks can show the sim is not their
 * bottleneck.
 */
import path from 'node:path';
import { loadCurriculum } from '../lib/curriculum/load';
import { problemPrompt, STEP_SYSTEM_PROMPT } from '../lib/traces/prompts';
import { startSim } from '../sim/server';

const CONCURRENCY = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

async function main(): Promise<void> {
  const curriculum = await loadCurriculum(path.resolve(__dirname, '../curricula/arithmetic.yaml'));
  const sim = await startSim({ curricula: [curriculum] });
  const problems = curriculum.levels.flatMap((l) => l.problems);
  const url = `${sim.baseURL}/chat/completions`;

  async function run(n: number, system?: string): Promise<{ requests: number; choices: number; seconds: number }> {
    let requests = 0;
    const deadline = Date.now() + SECONDS * 1000;
    const start = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        for (let i = w; Date.now() < deadline; i += CONCURRENCY) {
          const p = problems[i % problems.length]!;
          const messages = [...(system ? [{ role: 'system', content: system }] : []), { role: 'user', content: problemPrompt(p.question) }];
          const res = await fetch(url, {
            method: 'POST',
            headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'sim-student', messages, n, seed: i, temperature: 1 }),
          });
          if (res.status !== 200) throw new Error(`sim answered ${res.status}: ${await res.text()}`);
          await res.arrayBuffer();
          requests++;
        }
      }),
    );
    const seconds = (Date.now() - start) / 1000;
    return { requests, choices: requests * n, seconds };
  }

  await run(1); // warm-up
  const one = await run(1);
  const twenty = await run(20);
  const step = await run(1, STEP_SYSTEM_PROMPT);
  await sim.close();
  const rate = (r: { choices: number; seconds: number }) => r.choices / r.seconds;
  const lines = [
    `sim capacity (${CONCURRENCY} requests in flight, ${SECONDS}s each, loopback HTTP):`,
    `  n=1   ${(one.requests / one.seconds).toFixed(0)} requests/s, ${rate(one).toFixed(0)} completions/s`,
    `  n=20  ${(twenty.requests / twenty.seconds).toFixed(0)} requests/s, ${rate(twenty).toFixed(0)} completions/s`,
    `  step prompt, n=1  ${rate(step).toFixed(0)} completions/s`,
    `  ratio completions/s n=20 : n=1 = ${(rate(twenty) / rate(one)).toFixed(2)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:sim failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
