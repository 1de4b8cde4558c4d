import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { loadCurriculum } from '../../lib/curriculum/load';
import type { Curriculum } from '../../lib/curriculum/types';
import { problemPrompt } from '../../lib/traces/prompts';
import { startSim, type RunningSim } from '../../sim/server';
import type { SimConfigInput } from '../../sim/config';

/** Limits and faults: the SDK's own retries recover from 429s, 500s and hung requests. */

const CURRICULUM = path.resolve(__dirname, '../../curricula/arithmetic.yaml');
let curriculum: Curriculum;
const open: RunningSim[] = [];

beforeAll(async () => {
  curriculum = await loadCurriculum(CURRICULUM);
});
afterAll(() => Promise.all(open.map((s) => s.close())));

async function simWith(config: SimConfigInput): Promise<RunningSim> {
  const sim = await startSim({ curricula: [curriculum], config });
  open.push(sim);
  return sim;
}

const ask = (client: OpenAI, i: number) =>
  client.chat.completions.create({ model: 'sim-student', messages: [{ role: 'user', content: problemPrompt(curriculum.levels[1]!.problems[i % 20]!.question) }], seed: i });

describe('sim limits and faults', () => {
  it('answers 429 with retry-after and x-ratelimit headers, and the SDK retries through it', async () => {
    const sim = await simWith({ limits: { rpm: 1200, burstSeconds: 0.25 } });
    const raw = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${sim.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sim-student', messages: [{ role: 'user', content: 'hi' }] }),
        }),
      ),
    );
    const refused = raw.find((r) => r.status === 429)!;
    expect(refused).toBeDefined();
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after-ms'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('1200');
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    const ok = raw.find((r) => r.status === 200)!;
    expect(ok.headers.get('x-ratelimit-remaining-requests')).not.toBeNull();

    const before = sim.stats().rateLimited;
    const client = new OpenAI({ baseURL: sim.baseURL, apiKey: 'sim-test-key', maxRetries: 20 });
    const replies = await Promise.all(Array.from({ length: 16 }, (_, i) => ask(client, i)));
    expect(replies.every((r) => r.choices.length === 1)).toBe(true);
    expect(sim.stats().rateLimited).toBeGreaterThan(before);
  });

  it('limits tokens per minute', async () => {
    const sim = await simWith({ limits: { tpm: 6000, burstSeconds: 1 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${sim.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-student', messages: [{ role: 'user', content: 'hi' }], max_tokens: 60 }),
      });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(((await r.json()) as { error: { type: string } }).error.type).toBe('tokens');
        expect(r.headers.get('x-ratelimit-limit-tokens')).toBe('6000');
      }
    }
    expect(statuses).toContain(429);
  });

  it('the SDK retries through random 500s', async () => {
    const sim = await simWith({ faults: { errorRate: 0.3, seed: 1 } });
    const client = new OpenAI({ baseURL: sim.baseURL, apiKey: 'sim-test-key', maxRetries: 8 });
    const replies = [];
    for (let i = 0; i < 12; i++) replies.push(await ask(client, i));
    expect(replies).toHaveLength(12);
    expect(sim.stats().serverErrors).toBeGreaterThan(0);
  }, 60_000);

  it('hung requests time out on the client and the retry succeeds', async () => {
    const sim = await simWith({ faults: { hangRate: 0.4, seed: 3 } });
    const client = new OpenAI({ baseURL: sim.baseURL, apiKey: 'sim-test-key', maxRetries: 8, timeout: 300 });
    for (let i = 0; i < 6; i++) expect((await ask(client, i)).choices).toHaveLength(1);
    expect(sim.stats().hangs).toBeGreaterThan(0);
  }, 60_000);

  it('malformed bodies do not parse', async () => {
    const sim = await simWith({ faults: { malformedRate: 1 } });
    const r = await fetch(`${sim.baseURL}/models`, { headers: { authorization: 'Bearer k' } });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('a job failure rate fails jobs with error.code from the config', async () => {
    const sim = await simWith({ jobs: { failureRate: 1, validatingSeconds: 0, queuedSeconds: 0, runningSeconds: 0.1 } });
    const client = new OpenAI({ baseURL: sim.baseURL, apiKey: 'sim-test-key' });
    const lines = curriculum.levels[0]!.problems.slice(0, 10).map((p) => JSON.stringify({ messages: [{ role: 'user', content: problemPrompt(p.question) }, { role: 'assistant', content: `\\boxed{${p.answer}}` }] }));
    const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('\n')), 't.jsonl'), purpose: 'fine-tune' });
    const job = await client.fineTuning.jobs.create({ model: 'sim-student', training_file: file.id }, { maxRetries: 0 });
    let got = job;
    while (!['failed', 'succeeded'].includes(got.status)) {
      await new Promise((r) => setTimeout(r, 30));
      got = await client.fineTuning.jobs.retrieve(job.id);
    }
    expect(got.status).toBe('failed');
    expect(got.error).toMatchObject({ code: 'server_error', param: null });
  });
});
