/**
 * How Together serves a fine-tune. Serverless LoRA inference is offered only for adapters of the bases listed
 * at https://docs.together.ai/docs/adapter-upload ("Supported base models": "these are the only compatible
 * models"); every other fine-tune needs a dedicated endpoint, which bills per minute while it exists. So
 * `serving.mode` defaults to `dedicated`, and `dedicated` needs a hardware id.
 */
export const TOGETHER_HARDWARE_REQUIRED =
  'required: trained models serve on dedicated endpoints (serving.mode dedicated, the default); give a hardware id ' +
  '(`together endpoints hardware --model <model>`), or set serving.mode serverless if the base is one Together serves ' +
  'LoRA fine-tunes of serverless (https://docs.together.ai/docs/adapter-upload)';

/** The bases of serverless LoRA inference, as that page lists them (read 2026-12). */
export const TOGETHER_SERVERLESS_LORA_BASES: readonly string[] = [
  'meta-llama/Llama-4-Maverick-17B-128E-Instruct',
  'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference',
  'meta-llama/Meta-Llama-3.1-70B-Instruct-Reference',
  'Qwen/Qwen2.5-72B-Instruct',
  'Qwen/Qwen3-235B-A22B-Instruct-2507-tput',
];
