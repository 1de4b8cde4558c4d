import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { UserError } from '../../lib/errors';
import type { Tunables } from '../../lib/config/tunables';
import { configureUpdate } from '../../workflows/messages';
import { campaignHandle } from '../campaigns';
import { requireRunningCampaign, withClient } from '../connect';

interface ConfigureOptions {
  bandMin?: string;
  bandMax?: string;
  maxProblems?: string;
  k?: string;
  tracesPerProblem?: string;
  perProblemCap?: string;
  pollInterval?: string;
}

function num(flag: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UserError(`--${flag}: expected ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** The flags as the `configure` update's input; range checks are the workflow validator's job (one source of truth). */
export function tunablesFromFlags(o: ConfigureOptions): Tunables {
  const t: Tunables = {};
  const bandMin = num('band-min', o.bandMin);
  const bandMax = num('band-max', o.bandMax);
  if (bandMin !== undefined || bandMax !== undefined) t.band = { ...(bandMin !== undefined && { min: bandMin }), ...(bandMax !== undefined && { max: bandMax }) };
  const set = <K extends keyof Tunables>(key: K, v: Tunables[K] | undefined) => {
    if (v !== undefined) t[key] = v;
  };
  set('maxProblems', num('max-problems', o.maxProblems, true));
  set('estimationK', num('k', o.k, true));
  set('tracesPerProblem', num('traces-per-problem', o.tracesPerProblem, true));
  set('perProblemCap', num('per-problem-cap', o.perProblemCap, true));
  set('pollIntervalSeconds', num('poll-interval', o.pollInterval));
  if (Object.keys(t).length === 0) throw new UserError('configure: nothing to change; give at least one option (see `strawberry configure --help`)');
  return t;
}

/** `strawberry configure <name> ...`: changes safe tunables of a running campaign through the `configure` update. */
export function registerConfigure(program: Command): void {
  program
    .command('configure <name>')
    .description('change safe tunables of a running campaign (band, samples, caps, poll interval); applied from the next round')
    .option('--band-min <x>', 'lower edge of the pass-rate band (0..1)')
    .option('--band-max <x>', 'upper edge of the pass-rate band (0..1)')
    .option('--max-problems <n>', 'cap on in-band problems per round')
    .option('--k <n>', 'samples per problem for pass-rate estimation')
    .option('--traces-per-problem <n>', 'traces generated per in-band problem')
    .option('--per-problem-cap <n>', 'dataset: traces kept per problem')
    .option('--poll-interval <seconds>', 'how often a running fine-tune job is checked')
    .action(async (name: string, opts: ConfigureOptions) => {
      const tunables = tunablesFromFlags(opts);
      await withClient(async (c) => {
        await requireRunningCampaign(c, name);
        try {
          const applied = await campaignHandle(c.client, name).executeUpdate(configureUpdate, { args: [tunables] });
          process.stdout.write(`campaign ${name}: configured ${JSON.stringify(applied)} (applies from the next round; the running round keeps the settings it started with)\n`);
        } catch (err) {
          if (err instanceof WorkflowUpdateFailedError) {
            throw new UserError(`campaign ${name}: configure rejected: ${(err.cause?.message ?? err.message).replace(/^configure: /, '')}`);
          }
          throw err;
        }
      });
    });
}
