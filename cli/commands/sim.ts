import type { Command } from 'commander';
import { UserError } from '../../lib/errors';
import { loadSimConfig, mergeConfig, parseSimConfig, type SimConfigInput } from '../../sim/config';
import { startSim } from '../../sim/server';

interface SimFlags {
  port: string;
  curriculum: string[];
  config?: string;
  state?: string;
  rpm?: string;
  tpm?: string;
  errorRate?: string;
  hangRate?: string;
  malformedRate?: string;
  jobFailureRate?: string;
  latencyMs?: string;
  ignoreN?: boolean;
}

/** `strawberry sim`: the simulated OpenAI-compatible provider on 127.0.0.1 until SIGINT/SIGTERM. */
export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('serve the simulated OpenAI-compatible provider ("sim") on 127.0.0.1; prints its base URL first, serves until Ctrl-C')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '0')
    .option('--curriculum <file>', 'curriculum file whose problems the sim knows (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--config <file>', 'sim config YAML (defaults: config/sim.yaml documents them)')
    .option('--state <dir>', 'persist files, jobs and trained models in this directory')
    .option('--rpm <n>', 'chat completion requests per minute (0 = no limit)')
    .option('--tpm <n>', 'chat completion tokens per minute (0 = no limit)')
    .option('--error-rate <p>', 'probability of a 500 server_error per request')
    .option('--hang-rate <p>', 'probability that a request hangs')
    .option('--malformed-rate <p>', 'probability of a truncated (unparsable) 200 body')
    .option('--job-failure-rate <p>', 'probability that a fine-tuning job fails')
    .option('--latency-ms <n>', 'fixed latency added to every request')
    .option('--ignore-n', 'answer one choice whatever `n` asks for, like servers that ignore it')
    .action(async (flags: SimFlags) => {
      const port = num(flags.port, '--port');
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port: expected an integer from 0 to 65535, got ${flags.port}`);
      if (flags.curriculum.length === 0) throw new UserError('sim: give at least one --curriculum <file> (e.g. curricula/arithmetic.yaml)');
      const base = flags.config ? loadSimConfig(flags.config) : parseSimConfig({});
      const over: SimConfigInput = {
        limits: { ...(flags.rpm !== undefined && { rpm: num(flags.rpm, '--rpm') }), ...(flags.tpm !== undefined && { tpm: num(flags.tpm, '--tpm') }) },
        faults: {
          ...(flags.errorRate !== undefined && { errorRate: num(flags.errorRate, '--error-rate') }),
          ...(flags.hangRate !== undefined && { hangRate: num(flags.hangRate, '--hang-rate') }),
          ...(flags.malformedRate !== undefined && { malformedRate: num(flags.malformedRate, '--malformed-rate') }),
          ...(flags.latencyMs !== undefined && { latencyMs: num(flags.latencyMs, '--latency-ms') }),
        },
        jobs: { ...(flags.jobFailureRate !== undefined && { failureRate: num(flags.jobFailureRate, '--job-failure-rate') }) },
        ...(flags.ignoreN ? { sampling: { ignoreN: true } } : {}),
      };
      const config = parseSimConfig(mergeConfig(base, over), 'sim flags');
      const sim = await startSim({ port, curricula: flags.curriculum, config, stateDir: flags.state });
      process.stdout.write(`${sim.baseURL}\n`);
      process.stderr.write(`sim: serving ${config.models.map((m) => m.id).join(', ')} on ${sim.baseURL} (any non-empty API key); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          sim.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

function num(v: string, flag: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`${flag}: expected a number, got ${JSON.stringify(v)}`);
  return n;
}
