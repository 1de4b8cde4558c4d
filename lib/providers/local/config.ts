/** How the `local` provider trains and serves (the `train:` and `serve:` blocks of a `kind: local` provider). */
export interface LocalTrainConfig {
  /** The training command as an argv with placeholders (see command.ts). */
  command: string[];
  /** Working directory of the command; default the worker's. */
  cwd?: string;
  /** Where job directories live; relative paths are resolved against the worker's working directory. */
  jobsDir: string;
  /** Extra environment of the command (never secrets: those stay in the worker's own environment). */
  env?: Record<string, string>;
  /** Where the command runs: a detached process on this machine (default) or a Slurm batch job (slurm/). */
  scheduler?: 'local' | 'slurm';
  slurm?: { conf?: string; sbatch?: string[] };
}

export interface LocalServeConfig {
  /** Path (under the chat baseURL) of the runtime load endpoint, vLLM's `/load_lora_adapter` by default; false: none. */
  loadPath: string | false;
  unloadPath: string;
}

export interface LocalProviderConfig {
  /** The OpenAI-compatible server the student is sampled from. */
  baseURL: string;
  apiKeyEnv?: string;
  train?: LocalTrainConfig;
  serve?: LocalServeConfig;
  /** Model names that are checkpoints outside the jobs directory (e.g. a base model): name -> directory. */
  models?: Record<string, string>;
  timeoutMs?: number;
}
