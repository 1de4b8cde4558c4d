import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { servedQueues, workerIdentity } from '../../../cli/temporal/worker';
import { campaignSettings } from '../../../lib/campaign/settings';
import { taskQueueFor } from '../../../lib/campaign/taskQueues';
import { loadCampaignConfig } from '../../../lib/config/load';
import { UserError } from '../../../lib/errors';

const curriculum = path.resolve(__dirname, '../../../curricula/arithmetic.yaml');

function configFile(extra: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'config-')), 'c.yaml');
  writeFileSync(
    file,
    [
      'name: t',
      `curriculum: ${curriculum}`,
      'providers:',
      '  p: { kind: openai, baseURL: "http://127.0.0.1:9/v1", apiKeyEnv: T_KEY }',
      'student: { provider: p, baseModel: m }',
      extra,
      '',
    ].join('\n'),
  );
  return file;
}

describe('temporal.taskQueues', () => {
  it('is absent by default: the settings (and so the histories) stay as they were', async () => {
    const c = await loadCampaignConfig(configFile(''));
    expect(c.temporal).toBeUndefined();
    expect(campaignSettings(c)).not.toHaveProperty('taskQueues');
  });

  it('names the kinds on queues of their own; true derives the name from the campaign queue', async () => {
    const c = await loadCampaignConfig(configFile('temporal: { taskQueues: { training: true, sampling: cheap-pool, serving: false } }'));
    const settings = campaignSettings(c);
    expect(settings.taskQueues).toEqual({ training: true, sampling: 'cheap-pool' });
    expect(taskQueueFor(settings.taskQueues, 'training', 'strawberry')).toBe('strawberry-training');
    expect(taskQueueFor(settings.taskQueues, 'sampling', 'strawberry')).toBe('cheap-pool');
    expect(taskQueueFor(settings.taskQueues, 'serving', 'strawberry')).toBeUndefined();
  });

  it('refuses an unknown kind and a bad queue name, with the field', async () => {
    const kind = await loadCampaignConfig(configFile('temporal: { taskQueues: { gpu: true } }')).catch((e: unknown) => e);
    expect(kind).toBeInstanceOf(UserError);
    expect((kind as Error).message).toMatch(/temporal\.taskQueues.*gpu/);
    const name = await loadCampaignConfig(configFile('temporal: { taskQueues: { training: "has space" } }')).catch((e: unknown) => e);
    expect(name).toBeInstanceOf(UserError);
    expect((name as Error).message).toMatch(/temporal\.taskQueues\.training/);
  });
});

describe('strawberry worker --queues and --identity', () => {
  it('maps kinds to <task-queue>-<kind>, keeps queue names, drops repeats', () => {
    expect(servedQueues('strawberry', 'main, sampling,training,gpu-a,main')).toEqual([
      { name: 'strawberry', kind: 'main' },
      { name: 'strawberry-sampling', kind: 'sampling' },
      { name: 'strawberry-training', kind: 'training' },
      { name: 'gpu-a', kind: 'named' },
    ]);
    expect(servedQueues('q')).toEqual([{ name: 'q', kind: 'main' }]);
  });

  it('refuses an empty list or a name that is no queue name', () => {
    expect(() => servedQueues('q', ',')).toThrow(UserError);
    expect(() => servedQueues('q', 'main,bad name')).toThrow(/"bad name" is neither main, sampling, training, serving nor a task queue name/);
  });

  it('shows the host: <pid>@<host>[/<name>]', () => {
    expect(workerIdentity()).toBe(`${process.pid}@${os.hostname()}`);
    expect(workerIdentity('gpu-1')).toBe(`${process.pid}@${os.hostname()}/gpu-1`);
  });
});
