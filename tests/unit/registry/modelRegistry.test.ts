import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ModelRegistry, registryPath } from '../../../lib/registry';
import { DirectoryRunStore } from '../../../lib/store';

describe('ModelRegistry', () => {
  let root: string;
  let store: DirectoryRunStore;
  let tick: number;
  const now = () => new Date(Date.UTC(2025, 0, 1, 0, 0, tick++));

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'registry-'));
    store = new DirectoryRunStore(root);
    tick = 0;
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  async function threeRounds(reg: ModelRegistry) {
    await reg.registerBase({ modelId: 'sim-base', provider: 'openai', evaluation: { 0: { n: 10, correct: 5 } } });
    await reg.registerCandidate({ modelId: 'ft-r1', provider: 'openai', parent: 'sim-base', round: 1, jobId: 'ftjob-1', datasetRef: 'file:///r1.jsonl', datasetSha256: 'aa' });
    await reg.setEvaluation('ft-r1', { 0: { n: 10, correct: 8 }, 1: { n: 10, correct: 3 } });
    await reg.promote('ft-r1', 'better on level 0');
    await reg.registerCandidate({ modelId: 'ft-r2', provider: 'openai', parent: 'ft-r1', round: 2 });
    await reg.reject('ft-r2', 'regressed on level 0');
    await reg.registerCandidate({ modelId: 'ft-r3', provider: 'openai', parent: 'ft-r1', round: 3 });
    await reg.promote('ft-r3');
  }

  it('keeps base -> promoted lineage, skipping rejected candidates', async () => {
    const reg = await ModelRegistry.load(store, 'demo', { now });
    expect(reg.current()).toBeUndefined();
    await threeRounds(reg);
    expect(reg.current()?.modelId).toBe('ft-r3');
    expect(reg.lineage().map((m) => m.modelId)).toEqual(['sim-base', 'ft-r1', 'ft-r3']);
    expect(reg.get('ft-r2')).toMatchObject({ status: 'rejected', reason: 'regressed on level 0' });
    expect(reg.get('ft-r1')).toMatchObject({
      status: 'promoted',
      parent: 'sim-base',
      round: 1,
      jobId: 'ftjob-1',
      datasetRef: 'file:///r1.jsonl',
      datasetSha256: 'aa',
      evaluation: { '0': { accuracy: 0.8, n: 10, correct: 8 }, '1': { accuracy: 0.3, n: 10, correct: 3 } },
    });
    // What another process reads back from the store is the same registry.
    const again = await ModelRegistry.load(store, 'demo');
    expect(again.entries()).toEqual(reg.entries());
    expect(JSON.parse(await readFile(path.join(root, 'demo', 'registry.json'), 'utf8'))).toMatchObject({ version: 1, campaign: 'demo' });
  });

  it('repeats operations harmlessly (a retried activity neither duplicates nor rewrites)', async () => {
    const reg = await ModelRegistry.load(store, 'demo', { now });
    await threeRounds(reg);
    const before = await readFile(path.join(root, registryPath('demo')), 'utf8');
    const retry = await ModelRegistry.load(store, 'demo', { now });
    await retry.registerBase({ modelId: 'sim-base', provider: 'openai', evaluation: { 0: { n: 10, correct: 5 } } });
    await retry.registerCandidate({ modelId: 'ft-r3', provider: 'openai', parent: 'ft-r1', round: 3 });
    await retry.promote('ft-r3');
    await retry.reject('ft-r2', 'regressed on level 0');
    expect(await readFile(path.join(root, registryPath('demo')), 'utf8')).toBe(before);
    expect(retry.entries()).toHaveLength(4);
    expect(retry.get('ft-r3')?.status).toBe('promoted');
  });

  it('does not lose changes made through another instance', async () => {
    const a = await ModelRegistry.load(store, 'demo', { now });
    await a.registerBase({ modelId: 'base', provider: 'together' });
    const b = await ModelRegistry.load(store, 'demo', { now });
    await b.registerCandidate({ modelId: 'c1', provider: 'together', parent: 'base', round: 1 });
    await a.setEvaluation('base', { 2: { n: 4, correct: 1 } });
    const reread = await ModelRegistry.load(store, 'demo');
    expect(reread.entries().map((m) => m.modelId)).toEqual(['base', 'c1']);
    expect(reread.get('base')?.evaluation).toEqual({ '2': { accuracy: 0.25, n: 4, correct: 1 } });
  });

  it('serialises concurrent changes through one instance', async () => {
    const reg = await ModelRegistry.load(store, 'demo', { now });
    await reg.registerBase({ modelId: 'base', provider: 'openai' });
    await Promise.all(Array.from({ length: 8 }, (_, i) => reg.setEvaluation('base', { [i]: { n: 10, correct: i } })));
    expect(Object.keys((await ModelRegistry.load(store, 'demo')).get('base')!.evaluation!)).toHaveLength(8);
  });

  it('refuses contradictions with messages that name the registry', async () => {
    const reg = await ModelRegistry.load(store, 'demo', { now });
    await threeRounds(reg);
    await expect(reg.registerBase({ modelId: 'other-base', provider: 'openai' })).rejects.toThrow(
      'demo/registry.json: campaign demo already has base model sim-base, not other-base',
    );
    await expect(reg.promote('ft-r2')).rejects.toThrow('ft-r2 was already rejected; it cannot now be promoted');
    await expect(reg.promote('nope')).rejects.toThrow('no model nope in campaign demo');
    await expect(reg.registerCandidate({ modelId: 'x', provider: 'openai', parent: 'ghost', round: 4 })).rejects.toThrow('parent ghost of x is not registered');
    await expect(reg.setEvaluation('ft-r1', { 0: { n: 3, correct: 4 } })).rejects.toThrow('0 <= correct <= n');
    await expect(reg.promote('sim-base')).rejects.toThrow('the base model sim-base cannot be promoted');
  });

  it('rejects a file that is not a registry', async () => {
    await store.writeJsonAtomic('demo/registry.json', { hello: 1 });
    await expect(ModelRegistry.load(store, 'demo')).rejects.toThrow('demo/registry.json: not a model registry');
  });
});
