import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOpenAIChatProvider } from '../../lib/providers/chat/chatCompletions';
import { LocalProvider, startLocalServer, trlRecipeDir, type LocalTrainConfig, type RunningLocalServer } from '../../lib/providers/local';
import type { FineTuneJob } from '../../lib/providers/types';
import { describeUnless } from '../helpers/skip';
import { testTrlMissing, trlPython } from '../helpers/testTrl';

/**
 * The TRL recipe through the real `local` provider (issue 22): the tiny Llama trained from scratch by
 * recipes/trl/train.py, a LoRA child trained from it (its log names the parent it loaded), the child loaded into
 * recipes/trl/serve.py through vLLM's /v1/load_lora_adapter and sampled with n=2 by the project's OpenAI chat
 * provider. Needs the venv of `strawberry setup --trl` (tests/globalSetup.ts makes it; skipped, saying why,
 * without it or with STRAWBERRY_SKIP_TRL=1).
 */
const describeTrl = describeUnless(testTrlMissing());

/** ~100 short chat lines: reverse three digits (readable, and learnable by a model this small). */
function chatLines(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const digits = String((i * 37 + 101) % 1000).padStart(3, '0');
    lines.push(JSON.stringify({ messages: [{ role: 'user', content: `rev ${digits}` }, { role: 'assistant', content: [...digits].reverse().join('') }] }));
  }
  return lines.join('\n') + '\n';
}

async function finished(provider: LocalProvider, id: string): Promise<FineTuneJob> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const j = await provider.getJob(id);
    if (j.status !== 'pending' && j.status !== 'running') return j;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${j.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describeTrl('the TRL recipe through the local provider', () => {
  let root: string;
  let server: RunningLocalServer | undefined;
  const command = (...extra: string[]): LocalTrainConfig['command'] => [
    trlPython(), path.join(trlRecipeDir, 'train.py'), '--train-file', '{trainingFile}', '--output-dir', '{outputDir}', '--parent', '{parent}',
    '--seed', '{seed}', '--epochs', '{nEpochs}', '--learning-rate', '{learningRate}', '--batch-size', '{batchSize}', '--method', '{method}', '--beta', '{beta}', ...extra,
  ];

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'strawberry-trl-'));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the recipe\'s own tests (pytest recipes/trl/tests: tokenizer, training-file checks, DPO + merged LoRA, the server)', () => {
    const p = spawnSync(trlPython(), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join(trlRecipeDir, 'tests')], { encoding: 'utf8' });
    expect(`${p.stdout}${p.stderr}`).toMatch(/\d+ passed/);
    expect(p.status).toBe(0);
  }, 300_000);

  it('a bad training file fails the job with the line it is on', async () => {
    const file = path.join(root, 'bad.jsonl');
    writeFileSync(file, chatLines(2) + '{"messages": [{"role": "user"}]}\n');
    const provider = new LocalProvider({ baseURL: 'http://127.0.0.1:1/v1', train: { command: command(), jobsDir: path.join(root, 'jobs') } });
    const job = await provider.createJob({ baseModel: '', trainingFileId: file, suffix: 'bad', key: 'trl-bad', seed: 0 });
    const done = await finished(provider, job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain(`bad training file: ${file}:3: message 0 must be`);
  }, 60_000);

  it('trains from scratch, then a LoRA child from that parent; serves the child by name and samples it with n=2', async () => {
    const jobsDir = path.join(root, 'jobs');
    const data = path.join(root, 'chat.jsonl');
    writeFileSync(data, chatLines(100));
    const hp = { nEpochs: 3, learningRate: 0.003, batchSize: 16 };
    const scratch = new LocalProvider({ baseURL: 'http://127.0.0.1:1/v1', train: { command: command(), jobsDir } });
    const t0 = Date.now();
    const base = await finished(scratch, (await scratch.createJob({ baseModel: '', trainingFileId: data, suffix: 'base', key: 'trl-base', seed: 0, hyperparameters: hp })).id);
    expect(base.status).toBe('succeeded');
    const baseOut = path.join(jobsDir, base.fineTunedModel!, 'output');
    expect(existsSync(path.join(baseOut, 'model.safetensors'))).toBe(true);
    expect(readFileSync(path.join(jobsDir, base.id, 'log.txt'), 'utf8')).toContain('{"event": "parent", "path": null, "kind": "scratch"');
    process.stderr.write(`trl recipe: the tiny Llama from scratch in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    server = await startLocalServer({ python: trlPython(), script: path.join(trlRecipeDir, 'serve.py') });
    const lora = new LocalProvider({ baseURL: server.baseURL, train: { command: command('--lora'), jobsDir } });
    const child = await finished(lora, (await lora.createJob({ baseModel: base.id, parent: { model: base.id }, trainingFileId: data, suffix: 'child', key: 'trl-child', seed: 1, hyperparameters: hp })).id);
    expect(child.status).toBe('succeeded');
    const childLog = readFileSync(path.join(jobsDir, child.id, 'log.txt'), 'utf8');
    expect(childLog).toContain(`{"event": "parent", "path": ${JSON.stringify(baseOut)}, "kind": "full"}`);
    const adapter = JSON.parse(readFileSync(path.join(jobsDir, child.id, 'output', 'adapter_config.json'), 'utf8'));
    expect(adapter.base_model_name_or_path).toBe(baseOut);

    // Loaded through vLLM's runtime route (the provider's adapter loading, unchanged), then sampled by name.
    expect(lora.needsDeployment(child.id)).toBe(true);
    expect(await lora.ensureDeployment({ key: 'trl-child-serve', model: child.id })).toMatchObject({ state: 'ready' });
    expect(await lora.getDeployment(child.id)).toMatchObject({ state: 'ready' });
    const chat = createOpenAIChatProvider({ baseURL: server.baseURL, maxRetries: 0 });
    const res = await chat.complete({ model: child.id, messages: [{ role: 'user', content: 'rev 123' }], n: 2, temperature: 1, seed: 7, maxTokens: 8 });
    expect(res.choices).toHaveLength(2);
    for (const c of res.choices) expect(['stop', 'length']).toContain(c.finishReason);
    expect(res.usage.promptTokens).toBeGreaterThan(7); // <s><|user|>rev 123</s><|assistant|>: one token per character
    expect(res.usage.completionTokens).toBeGreaterThanOrEqual(2);
    expect(res.usage.completionTokens).toBeLessThanOrEqual(16);
    // The same seed draws the same samples.
    const again = await chat.complete({ model: child.id, messages: [{ role: 'user', content: 'rev 123' }], n: 2, temperature: 1, seed: 7, maxTokens: 8 });
    expect(again.choices.map((c) => c.content)).toEqual(res.choices.map((c) => c.content));
    await lora.deleteDeployment(child.id);
    expect(await lora.getDeployment(child.id)).toMatchObject({ state: 'deleted' });
  }, 900_000);
});
