import { z } from 'zod';
import { campaignReferenceSchema, CAMPAIGN_MODEL_ROLES } from '../eval/referenceModel';
import { EstimationOptionsSchema } from '../estimation/options';
import { BandOptionsSchema } from '../selection/options';
import { TraceOptionsSchema, verifierPolicy } from '../traces/options';
import { ledgerUrlProblem } from '../storage/ledgerUrl';
import { parseRunStoreUrl } from '../store/openRunStore';

/**
 * The campaign config: ONE schema, the single source of truth for every option and its default.
 * Secrets are never here: a provider names the environment variable that holds its key (`apiKeyEnv`),
 * and workers read it from their own environment.
 */

const EnvVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the name of an environment variable, e.g. OPENAI_API_KEY');
const Url = z.string().regex(/^https?:\/\/\S+$/, 'expected an http(s) URL');

const ChatLimitsSchema = {
  concurrency: z.number().int().min(1).max(1024).default(8).describe('requests in flight at once, per worker process'),
  requestsPerMinute: z.number().positive().optional().describe('client-side request rate limit'),
  tokensPerMinute: z.number().positive().optional().describe('client-side token rate limit'),
  timeoutMs: z.number().int().positive().default(60_000).describe('per request'),
  singleSampleRequests: z
    .boolean()
    .default(false)
    .describe('ask for one sample per request (for servers that ignore `n`); a short `choices` list is also detected and completed by itself'),
  maxTokensField: z
    .enum(['max_completion_tokens', 'max_tokens'])
    .optional()
    .describe('the chat field that carries maxTokens; default: the one the kind documents (openai, azure: max_completion_tokens; together, fireworks, local: max_tokens; lib/providers/chat/requestShape.ts)'),
};

/**
 * Stored chat completions (OpenAI, Azure OpenAI): every chat request carries `store: true` and a
 * `metadata.strawberry_request` digest of its body, so a retried activity finds an answer its earlier attempt
 * was billed for (`GET /chat/completions?metadata[...]`) instead of paying again (lib/providers/chat/storedCompletions.ts).
 */
const StoredCompletions = z
  .boolean()
  .default(false)
  .describe(
    'keep every chat completion at the provider (store: true) so a retried activity adopts answers already paid for instead of paying twice; the provider then holds the prompts and completions for its retention period (30 days at OpenAI), visible in its dashboard',
  );
/** Kinds whose API has no stored completions: `storedCompletions: true` is refused by name, not as an unknown key. */
const NoStoredCompletions = z
  .literal(false, { error: 'storedCompletions needs a provider that stores chat completions and lists them by metadata (kind openai or azure); this kind has no such API' })
  .optional();

const Replicas = {
  minReplicas: z.number().int().min(0).optional(),
  maxReplicas: z.number().int().min(1).optional(),
};

/** Azure OpenAI: an uploaded file must be `processed` before a job may use it (docs/providers/azure.md). */
const AzureFilesSchema = z
  .object({
    processedTimeoutMinutes: z.number().positive().default(30).describe('how long an upload may stay uploaded/pending/running before the fine-tune step fails (retried by the activity)'),
    pollSeconds: z.number().positive().default(5).describe('interval between file status checks'),
  })
  .strict()
  .prefault({});

/** Azure OpenAI deployments are made through the control plane (Microsoft.CognitiveServices/accounts/deployments). */
const AzureDeploymentsSchema = z
  .object({
    managementURL: Url.default('https://management.azure.com'),
    subscriptionId: z.string().min(1),
    resourceGroup: z.string().min(1),
    accountName: z.string().min(1).describe('the Azure OpenAI resource (Cognitive Services account) name'),
    apiVersion: z.string().min(1).default('2024-10-01').describe('control-plane api-version of Deployments - Create Or Update'),
    tokenEnv: EnvVarName.default('AZURE_MANAGEMENT_TOKEN').describe('variable holding a Microsoft Entra bearer token for https://management.azure.com (e.g. `az account get-access-token`)'),
    sku: z
      .object({
        name: z.string().min(1).default('Standard').describe('Standard (default; hourly hosting fee), GlobalStandard, or Developer (no hosting fee, deleted after 24 h)'),
        capacity: z.number().int().min(1).default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const ProviderSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('openai').describe('any OpenAI-compatible endpoint: OpenAI, vLLM, LiteLLM, the sim (Azure OpenAI: kind azure)'),
      baseURL: Url,
      apiKeyEnv: EnvVarName,
      ...ChatLimitsSchema,
      storedCompletions: StoredCompletions,
    })
    .strict(),
  z
    .object({
      kind: z.literal('azure').describe('Azure OpenAI, v1 API: OpenAI-shaped files and jobs, and one billed deployment per trained model (docs/providers/azure.md)'),
      baseURL: Url.describe('the v1 data plane, https://<resource>.openai.azure.com/openai/v1'),
      apiKeyEnv: EnvVarName.default('AZURE_OPENAI_API_KEY'),
      ...ChatLimitsSchema,
      // Azure's v1 API lists stored completions the same way (GET /openai/v1/chat/completions,
      // https://learn.microsoft.com/en-us/azure/foundry/reference/rest/chat-generated-list-chat-completions).
      storedCompletions: StoredCompletions,
      files: AzureFilesSchema,
      deployments: AzureDeploymentsSchema,
    })
    .strict(),
  z
    .object({
      kind: z.literal('together'),
      baseURL: Url.default('https://api.together.xyz/v1'),
      apiKeyEnv: EnvVarName.default('TOGETHER_API_KEY'),
      ...ChatLimitsSchema,
      storedCompletions: NoStoredCompletions,
      serving: z
        .object({
          mode: z
            .enum(['serverless', 'dedicated'])
            .default('dedicated')
            .describe('dedicated (default, needs hardware): one billed endpoint per trained model; serverless: the fine-tune serves on the shared endpoint, only for the LoRA bases Together lists (https://docs.together.ai/docs/adapter-upload)'),
          hardware: z.string().min(1).optional().describe('dedicated endpoint hardware id, e.g. 1x_nvidia_h100_80gb_sxm'),
          ...Replicas,
        })
        .strict()
        .prefault({}),
    })
    .strict(),
  z
    .object({
      kind: z.literal('fireworks'),
      baseURL: Url.default('https://api.fireworks.ai'),
      apiKeyEnv: EnvVarName.default('FIREWORKS_API_KEY'),
      accountId: z.string().min(1).describe('Fireworks account id'),
      ...ChatLimitsSchema,
      storedCompletions: NoStoredCompletions,
      serving: z
        .object({
          acceleratorType: z.string().min(1).optional().describe('e.g. NVIDIA_H100_80GB'),
          acceleratorCount: z.number().int().min(1).optional(),
          deploymentShape: z.string().min(1).optional(),
          ...Replicas,
          minReplicas: z
            .number()
            .int()
            .min(0)
            .optional()
            .describe('default 1: one replica bills while idle; 0 scales to zero after an idle hour (cold start of minutes at the next sample) and Fireworks deletes it after 7 days without traffic (https://docs.fireworks.ai/deployments/autoscaling)'),
        })
        .strict()
        .prefault({})
        .describe('on-demand deployment of each trained LoRA model (Fireworks serves LoRA models only there)'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('local').describe('self-hosted: any OpenAI-compatible server (vLLM, SGLang, llama.cpp, ours) plus a training command run as a durable job'),
      baseURL: Url,
      apiKeyEnv: EnvVarName.optional().describe('omit for servers without authentication'),
      ...ChatLimitsSchema,
      storedCompletions: NoStoredCompletions,
      train: z
        .object({
          command: z.array(z.string()).min(1).describe('argv with placeholders {parent} {baseModel} {trainingFile} {outputDir} {seed} {nEpochs} {learningRate} {learningRateMultiplier} {batchSize} {jobId} {python} {method} {beta}'),
          cwd: z.string().optional().describe("the command's working directory (default: the worker's)"),
          jobsDir: z.string().default('runs/local-jobs').describe('one directory per job: job.json, log.txt, exit_code, output/'),
          env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
          scheduler: z.enum(['local', 'slurm']).default('local').describe('local: a detached process on the worker; slurm: sbatch, polled with squeue/sacct, cancelled with scancel'),
          slurm: z
            .object({
              conf: z.string().optional().describe('SLURM_CONF for the Slurm commands (default: the worker environment\'s)'),
              sbatch: z.array(z.string()).optional().describe("extra #SBATCH options, e.g. ['--time=01:00:00', '--gres=gpu:1']"),
            })
            .strict()
            .optional(),
        })
        .strict()
        .optional(),
      serve: z
        .object({
          loadPath: z.union([z.string().startsWith('/'), z.literal(false)]).default('/load_lora_adapter').describe("runtime load endpoint under baseURL (vLLM's); false: models are served as they are"),
          unloadPath: z.string().startsWith('/').default('/unload_lora_adapter'),
        })
        .strict()
        .optional(),
      models: z.record(z.string(), z.string()).optional().describe('model name -> checkpoint directory, for models that are not jobs (e.g. a base model)'),
    })
    .strict(),
]);
export type ProviderConfig = z.infer<typeof ProviderSchema>;

/** A kind of work's task queue: true for `<campaign queue>-<kind>`, or a queue name (lib/campaign/taskQueues.ts). */
function taskQueueSetting(what: string) {
  return z
    .union([z.boolean(), z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/, 'expected a task queue name (letters, digits, ".", "_", "/", "-")')])
    .optional()
    .describe(`${what}: true for the queue <campaign queue>-<kind>, or a queue name; absent or false: the campaign's queue`);
}

export const CampaignConfigSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected lowercase letters, digits, ".", "_" or "-" (it becomes part of workflow ids and paths)'),
    description: z.string().optional(),
    curriculum: z.string().min(1).describe('curriculum YAML file, relative to this config file'),
    providers: z.record(z.string().regex(/^[a-z0-9_-]+$/), ProviderSchema).describe('named providers'),
    student: z
      .object({
        provider: z.string().describe('name of the provider that serves (and fine-tunes) the student'),
        baseModel: z.string().min(1),
      })
      .strict(),
    startLevel: z.number().int().min(0).default(0).describe('0-based level the frontier starts at'),
    estimation: EstimationOptionsSchema.omit({ band: true })
      .extend({
        style: z
          .enum(['cot', 'multi-turn'])
          .default('cot')
          .describe('cot: one cheap chain-of-thought reply per sample; multi-turn: full traces, whose correct ones are reused as training traces'),
        temperature: z.number().min(0).max(2).default(1.0),
        maxTokens: z.number().int().positive().default(1024),
        nextLevel: z.boolean().default(true).describe('also estimate the level above the frontier'),
        maxCandidatesPerLevel: z
          .number()
          .int()
          .positive()
          .optional()
          .describe('estimate at most this many problems per level each round (a fresh deterministic sample per round); default: all'),
      })
      .strict()
      .prefault({}),
    band: BandOptionsSchema.prefault({}),
    traces: TraceOptionsSchema.omit({ model: true, verifier: true, prompts: true })
      .extend({
        perProblem: z.number().int().min(1).max(100).default(4).describe('traces generated per in-band problem (correct CoT estimation samples count towards it)'),
        verifier: z
          .object({
            provider: z.string().optional().describe('default: the student provider'),
            model: z.string().min(1).describe('verifier model; "student" means the current student model'),
            temperature: z.number().min(0).max(2).default(0),
            maxTokens: z.number().int().positive().default(256),
            ...verifierPolicy(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    dataset: z
      .object({
        format: z.enum(['multi-turn', 'flattened']).default('multi-turn'),
        perProblemCap: z.number().int().min(1).default(10),
        dropNearDuplicates: z.boolean().default(true),
        maxChars: z.number().int().positive().optional(),
        replayFraction: z.number().min(0).max(1).default(0.2).describe('fraction of earlier rounds\' examples mixed in'),
        replayFiles: z.array(z.string().min(1)).optional().describe('earlier datasets (e.g. the base model\'s training data, JSONL with "messages") added to the replay pool, so round 1 replays too'),
        minExamples: z.number().int().min(10).default(10).describe('OpenAI requires at least 10 examples'),
        pairs: z
          .object({
            pairsPerProblem: z.number().int().min(1).default(4).describe('at most this many preference pairs per problem'),
            distinctAnswers: z.boolean().default(true).describe('each rejected trace of a problem has a final answer no other pair of the problem uses'),
            maxLengthRatio: z.number().min(1).default(1.5).describe('length matching: the longer output of a pair is at most this many times the shorter (so a pair does not teach "be shorter")'),
            dropNearDuplicates: z.boolean().default(true).describe('drop a trace that is a near-duplicate of one already used on its side'),
            minPairs: z.number().int().min(1).default(10).describe('fewer pairs than this: no preference job (dpo: no fine-tune; sft-then-dpo: the SFT model is the round\'s)'),
          })
          .strict()
          .prefault({})
          .describe('preference pairs (fineTune.method dpo or sft-then-dpo): a correct trace against a wrong-answer trace of the same problem, model and round'),
        contamination: z
          .object({
            check: z.boolean().default(true).describe('drop training problems that duplicate a problem of an eval-only set'),
            sets: z
              .array(z.string().min(1))
              .optional()
              .describe('eval-only curricula (paths relative to this file) checked against; default: the standard splits curricula/gsm8k-test.yaml and curricula/math500.yaml, where their data is present'),
          })
          .strict()
          .prefault({})
          .describe('contamination: traces of a training problem that is a near-duplicate of an eval problem are not trained on (lib/datasets/contamination.ts)'),
      })
      .strict()
      .prefault({}),
    fineTune: z
      .object({
        provider: z.string().optional().describe('default: the student provider'),
        nEpochs: z.number().int().positive().optional(),
        learningRateMultiplier: z.number().positive().optional(),
        learningRate: z.number().positive().optional(),
        batchSize: z.number().int().positive().optional(),
        method: z
          .enum(['sft', 'dpo', 'sft-then-dpo'])
          .default('sft')
          .describe('sft: train on correct traces; dpo: preference pairs (correct vs wrong) from the parent; sft-then-dpo: both in one round, the DPO job starting from the SFT model'),
        beta: z.number().positive().default(0.1).describe('DPO beta: how far the trained model may move from the reference (higher: closer)'),
        dpo: z
          .object({
            nEpochs: z.number().int().positive().optional(),
            learningRateMultiplier: z.number().positive().optional(),
            learningRate: z.number().positive().optional(),
            batchSize: z.number().int().positive().optional(),
          })
          .strict()
          .optional()
          .describe('the DPO job\'s hyperparameters where they differ from the SFT job\'s (DPO usually wants a lower learning rate and fewer epochs than SFT)'),
        pollIntervalSeconds: z.number().min(0.1).default(60).describe('how often a running job is checked'),
        timeoutHours: z.number().positive().default(168).describe('give up on a job after this long'),
      })
      .strict()
      .prefault({}),
    serving: z
      .object({
        keepDeployments: z.boolean().default(false).describe('keep deployments of rejected candidates and superseded models (default: torn down after each decision)'),
        pollIntervalSeconds: z.number().min(0.1).default(15).describe('how often a deployment that is starting is checked'),
        timeoutMinutes: z.number().positive().default(60).describe('give up on a deployment that is not ready after this long'),
      })
      .strict()
      .prefault({}),
    evaluation: z
      .object({
        samplesPerProblem: z.number().int().min(1).default(8).describe('samples per held-out problem and model (sized by npm run bench:promotion)'),
        temperature: z.number().min(0).max(2).default(0.7),
        maxHeldOutPerLevel: z
          .number()
          .int()
          .positive()
          .default(40)
          .describe('held-out problems per level (all when a level has fewer; otherwise a fresh seeded draw each round, the same for every model)'),
        regressionTolerance: z.number().min(0).max(1).default(0.05).describe('allowed pass-rate drop on lower levels (a regression must also be significant)'),
        minEffect: z.number().min(0).max(1).default(0.02).describe('smallest frontier gain that promotes: the lower confidence bound of the paired difference must exceed it'),
        confidence: z.number().min(0.5).max(0.999).default(0.95).describe('one-sided confidence of the paired bootstrap bounds used for promotion'),
        bootstrapResamples: z.number().int().min(100).max(100000).default(2000).describe('paired bootstrap resamples per judged level'),
        finalK: z
          .number()
          .int()
          .min(0)
          .max(256)
          .default(4)
          .describe('k of the final evaluation (round 0 and the end, on every level): samples per held-out problem and model for pass@1, pass@k and maj@k; 0: no final evaluation'),
        references: z
          .array(campaignReferenceSchema)
          .default([])
          .describe('models evaluated beside the campaign\'s at round 0 and at the end: {name, model, provider?} (one of `providers`, default the student\'s) or {name, model, baseURL, apiKeyEnv?} (as in an eval config)'),
      })
      .strict()
      .superRefine((ev, ctx) => {
        const names = new Set<string>(CAMPAIGN_MODEL_ROLES);
        ev.references.forEach((r, i) => {
          if (names.has(r.name))
            ctx.addIssue({ code: 'custom', path: ['references', i, 'name'], message: `"${r.name}" is ${(CAMPAIGN_MODEL_ROLES as readonly string[]).includes(r.name) ? 'the name of one of the campaign\'s own models' : 'taken by another reference'}; give each reference its own name` });
          names.add(r.name);
        });
      })
      .prefault({}),
    advancement: z
      .object({
        masteryThreshold: z.number().min(0).max(1).default(0.7).describe('frontier held-out accuracy that moves the frontier up'),
        minBandSize: z.number().int().min(0).default(3).describe('fewer in-band problems than this at the frontier: the band ran dry'),
      })
      .strict()
      .prefault({}),
    stopping: z
      .object({
        maxRounds: z.number().int().min(1).default(10),
        maxRoundsWithoutPromotion: z.number().int().min(1).default(3),
      })
      .strict()
      .prefault({}),
    prices: z
      .record(
        z.string(),
        z.record(
          z.string(),
          z
            .object({
              inputPerMillion: z.number().min(0).default(0).describe('prompt tokens, per million'),
              outputPerMillion: z.number().min(0).default(0).describe('completion tokens, per million'),
              trainingPerMillion: z.number().min(0).optional().describe('fine-tuning, per million trained tokens'),
              deploymentPerHour: z.number().min(0).optional().describe('a dedicated deployment, per hour'),
            })
            .strict(),
        ),
      )
      .optional()
      .describe('prices by provider name, then model id ("*": any model of that provider); used for cost in reports and for budget'),
    budget: z
      .object({
        perRound: z.number().positive().optional().describe('a round may not spend more (same currency as prices)'),
        perCampaign: z.number().positive().optional().describe('the campaign may not spend more'),
      })
      .strict()
      .optional()
      .describe('before a phase would exceed a limit (spent so far + that phase estimated from the samples already drawn), the campaign stops in phase `blocked`, reason "budget"'),
    skills: z
      .object({
        parkAfterRounds: z.number().int().min(1).default(2).describe('rounds without a band or without a promoted gain before a skill is parked'),
        retryEvery: z.number().int().min(1).default(3).describe('a parked skill is estimated again every this many rounds'),
        retryShare: z.number().min(0).max(1).default(0.05).describe('share of the round\'s budget a parked skill gets in a retry round'),
        floorShare: z.number().min(0).max(1).default(0.1).describe('smallest share of the budget each climbing skill gets'),
        candidatesPerRound: z.number().int().min(1).default(120).describe('candidate problems estimated per round, all skills together'),
        problemsPerRound: z.number().int().min(1).optional().describe('in-band problems traced per round, all skills together (default: band.maxProblems, else 40)'),
      })
      .strict()
      .optional()
      .describe('a frontier per skill (README "A frontier per skill"): each skill of the curriculum climbs its own levels, the round\'s budget goes where learning happens; absent: one frontier for all levels'),
    sharding: z
      .object({
        problemsPerShard: z.number().int().min(1).default(200),
        parallelShards: z.number().int().min(1).default(4),
        heartbeatTimeoutSeconds: z
          .number()
          .positive()
          .default(120)
          .describe('heartbeat timeout of the shard activities (estimation, traces): how soon a shard whose worker died is retried elsewhere'),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        ledger: z
          .string()
          .superRefine((url, ctx) => {
            const problem = ledgerUrlProblem(url);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .optional()
          .describe(
            'where the sample ledger lives (with PostgreSQL, the model registry too): sqlite:///abs/dir (one SQLite database per campaign under it, on a local disk) or postgres://user@host:port/db (one database for many campaigns and hosts; the password comes from PGPASSWORD or ~/.pgpass on the workers, never from the URL); default: STRAWBERRY_LEDGER on the worker, else SQLite inside the run store',
          ),
        runStore: z
          .string()
          .superRefine((url, ctx) => {
            try {
              parseRunStoreUrl(url, 'storage.runStore');
            } catch (err) {
              ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^storage\.runStore: /, '') });
            }
          })
          .optional()
          .describe('the run store the campaign expects (file:///abs/path or s3://bucket/prefix); a worker whose STRAWBERRY_RUN_STORE differs refuses its activities. Credentials never go here: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY on each worker'),
        sharedFilesystem: z
          .boolean()
          .default(false)
          .describe('the file run store is on a shared network filesystem (NFS, SMB, CephFS, Lustre, ...) that you vouch for; without it a file run store on such a mount is refused'),
      })
      .strict()
      .optional()
      .describe('where the campaign keeps its data beyond Temporal (README "Storage"): the ledger (and registry) and the run store; absent: the worker\'s own STRAWBERRY_LEDGER and STRAWBERRY_RUN_STORE, SQLite in a local directory by default'),
    temporal: z
      .object({
        taskQueues: z
          .object({
            sampling: taskQueueSetting('estimation and trace shards, trace verification, evaluation'),
            training: taskQueueSetting('fine-tune jobs: create, wait, cancel'),
            serving: taskQueueSetting('deployments: start, wait, tear down'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .optional()
      .describe('task queues per kind of work (docs/deploy.md): a kind with a queue of its own runs only on workers started with `strawberry worker --queues <kind>`; absent, all work runs on the campaign\'s queue'),
  })
  .strict();

export type CampaignConfig = z.infer<typeof CampaignConfigSchema>;
