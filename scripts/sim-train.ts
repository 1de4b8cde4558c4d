/**
 * A `local` provider training command that trains on the sim (for the sim's self-hosted mode): uploads the
 * training file and runs a job on the sim's OpenAI fine-tuning routes, then writes the output directory as a
 * "checkpoint" the sim's vLLM-shaped server can load (sim-model.json names the sim model it stands for).
 *
 *   tsx scripts/sim-train.ts --train-file F --output-dir D --parent P [--epochs N] [--seed S] [--method sft|dpo] [--beta B]
 *
 * --parent is a checkpoint directory (a model this command trained before) or a sim base model name. With
 * --method dpo the training file holds preference pairs and the sim job is a DPO job (beta --beta, default 0.1).
 * STRAWBERRY_SIM_URL (the sim's /v1 base URL) and STRAWBERRY_SIM_KEY come from the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeTextAtomic } from '../lib/atomicFile';
import { SIM_CHECKPOINT_FILE } from '../sim/providers/selfhosted';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'train-file': { type: 'string' }, 'output-dir': { type: 'string' }, parent: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, method: { type: 'string' }, beta: { type: 'string' } } });
  const base = process.env.STRAWBERRY_SIM_URL;
  const key = process.env.STRAWBERRY_SIM_KEY;
  const method = values.method ?? 'sft';
  if (!values['train-file'] || !values['output-dir'] || !values.parent || !base || !key || (method !== 'sft' && method !== 'dpo')) {
    console.error('usage: sim-train --train-file F --output-dir D --parent P [--epochs N] [--seed S] [--method sft|dpo] [--beta B], with STRAWBERRY_SIM_URL and STRAWBERRY_SIM_KEY set');
    return 2;
  }
  const checkpoint = path.join(values.parent, SIM_CHECKPOINT_FILE);
  const model = existsSync(checkpoint) ? (JSON.parse(readFileSync(checkpoint, 'utf8')) as { model: string }).model : values.parent;
  console.log(JSON.stringify({ event: 'start', parent: values.parent, model, method }));
  const auth = { authorization: `Bearer ${key}` };
  const form = new FormData();
  form.append('purpose', 'fine-tune');
  form.append('file', new Blob([await readFile(values['train-file'])]), path.basename(values['train-file']));
  const file = await call<{ id: string }>(`${base}/files`, { method: 'POST', headers: auth, body: form });
  const hyperparameters = values.epochs ? { n_epochs: Number(values.epochs) } : {};
  const jobMethod = method === 'dpo' ? { type: 'dpo', dpo: { hyperparameters: { ...hyperparameters, beta: values.beta ? Number(values.beta) : 0.1 } } } : { type: 'supervised', supervised: { hyperparameters } };
  const job = await call<{ id: string }>(`${base}/fine_tuning/jobs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ model, training_file: file.id, ...(values.seed ? { seed: Number(values.seed) } : {}), method: jobMethod }),
  });
  for (;;) {
    const j = await call<{ status: string; fine_tuned_model?: string; error?: { message?: string } }>(`${base}/fine_tuning/jobs/${job.id}`, { headers: auth });
    if (j.status === 'succeeded' && j.fine_tuned_model) {
      await mkdir(values['output-dir'], { recursive: true });
      await writeTextAtomic(path.join(values['output-dir'], SIM_CHECKPOINT_FILE), JSON.stringify({ model: j.fine_tuned_model, job: job.id }));
      console.log(JSON.stringify({ event: 'done', model: j.fine_tuned_model }));
      return 0;
    }
    if (j.status === 'failed' || j.status === 'cancelled') {
      console.error(`error: sim job ${job.id} ${j.status}: ${j.error?.message ?? ''}`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function call<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  },
);
