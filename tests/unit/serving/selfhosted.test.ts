import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createOpenAIChatProvider } from '../../../lib/providers/chat';
import { LocalLoraAdapters, type LocalProviderConfig } from '../../../lib/providers/local';
import { reloadAdaptersOnNotFound } from '../../../lib/providers/local/adapterReload';
import type { SimConfigInput } from '../../../sim/config';
import { SIM_CHECKPOINT_FILE } from '../../../sim/providers/selfhosted';
import { startSim, type RunningSim } from '../../../sim/server';
import { trainingFile } from '../fineTune/together.sim';

/**
 * Row 12 of issue 21 against the sim as a self-hosted vLLM server (in this process: no Temporal, no Python):
 * runtime adapter loading needs VLLM_ALLOW_RUNTIME_LORA_UPDATING, and a restart forgets the adapters, after
 * which samples answer 404 until the adapter is loaded again.
 */
const ENV = 'STRAWBERRY_TEST_SELFHOSTED_KEY';
const CURRICULUM = path.resolve(__dirname, '../../../curricula/arithmetic.yaml');
const MODEL = 'demo-r1-a1';

let sim: RunningSim | undefined;
let dir: string;
beforeEach(async () => {
  process.env[ENV] = 'sim-test-key';
  dir = await mkdtemp(path.join(os.tmpdir(), 'selfhosted-'));
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function startSelfHostedSim(provider: Record<string, unknown> = {}): Promise<RunningSim> {
  const config = { provider: { kind: 'selfhosted', ...provider }, jobs: { validatingSeconds: 0, queuedSeconds: 0, runningSeconds: 0.05 } } as SimConfigInput;
  return startSim({ curricula: [CURRICULUM], config });
}

/** A checkpoint directory standing for a model the sim trained (what scripts/sim-train.ts writes). */
async function checkpoint(s: RunningSim): Promise<string> {
  const auth = { authorization: 'Bearer k' };
  const form = new FormData();
  form.append('purpose', 'fine-tune');
  form.append('file', new Blob([await readFile(await trainingFile(dir, 12))]), 'train.jsonl');
  const file = (await (await fetch(`${s.baseURL}/files`, { method: 'POST', headers: auth, body: form })).json()) as { id: string };
  const job = (await (await fetch(`${s.baseURL}/fine_tuning/jobs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sim-student', training_file: file.id }) })).json()) as { id: string };
  for (let i = 0; i < 200; i++) {
    const j = (await (await fetch(`${s.baseURL}/fine_tuning/jobs/${job.id}`, { headers: auth })).json()) as { status: string; fine_tuned_model?: string };
    if (j.status === 'succeeded') {
      const out = path.join(dir, 'ckpt');
      await mkdir(out, { recursive: true });
      await writeFile(path.join(out, SIM_CHECKPOINT_FILE), JSON.stringify({ model: j.fine_tuned_model }));
      return out;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the sim job did not finish');
}

function local(s: RunningSim, ckpt: string): LocalProviderConfig {
  return { baseURL: s.baseURL, apiKeyEnv: ENV, models: { [MODEL]: ckpt } };
}
const ask = { model: MODEL, messages: [{ role: 'user' as const, content: '1+1' }], maxTokens: 16 };

describe('self-hosted vLLM (row 12 of issue 21)', () => {
  it('row 12: without VLLM_ALLOW_RUNTIME_LORA_UPDATING the load fails with an error that names it', async () => {
    sim = await startSelfHostedSim({ runtimeLoraUpdating: false });
    const adapters = new LocalLoraAdapters(local(sim, await checkpoint(sim)), undefined);
    await expect(adapters.load({ key: 'k', model: MODEL })).rejects.toThrow(/VLLM_ALLOW_RUNTIME_LORA_UPDATING=True/);
  });

  it('row 12: after a server restart the adapter is loaded again and the sample succeeds, once per burst', async () => {
    sim = await startSelfHostedSim();
    const cfg = local(sim, await checkpoint(sim));
    const adapters = new LocalLoraAdapters(cfg, undefined);
    await adapters.load({ key: 'k', model: MODEL });
    const bare = createOpenAIChatProvider({ baseURL: sim.baseURL, apiKeyEnv: ENV, maxRetries: 0 });
    const chat = reloadAdaptersOnNotFound(bare, adapters);
    expect((await chat.complete(ask)).choices.length).toBe(1);
    expect(await adapters.retrieve(MODEL)).toMatchObject({ state: 'ready' });

    await fetch(`${sim.baseURL.replace(/\/v1$/, '')}/sim/restart`, { method: 'POST', headers: { authorization: 'Bearer k' } });
    // What every sample met before the fix: vLLM's 404 for a model it does not serve.
    await expect(bare.complete(ask)).rejects.toMatchObject({ status: 404 });
    expect(await adapters.retrieve(MODEL)).toMatchObject({ state: 'deleted', providerState: 'not-loaded' });
    const answers = await Promise.all([1, 2, 3, 4].map(() => chat.complete(ask)));
    expect(answers.every((a) => a.choices.length === 1)).toBe(true);
    expect(chat.reloads()).toBe(1);
    expect(sim.provider()!.requests.filter((r) => r.path === '/v1/load_lora_adapter')).toHaveLength(2);
    // A model the server cannot load stays an error (no loop): an unknown name is not a checkpoint.
    await expect(chat.complete({ ...ask, model: 'no-such-model' })).rejects.toMatchObject({ status: 404 });
  });
});
