import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ModelRegistry, type RegistryLoadOptions } from '../../lib/registry';
import { DirectoryRunStore } from '../../lib/store';
import { describeUnless } from '../helpers/skip';
import { freshDatabase, postgresUnavailable } from '../helpers/testPostgres';

/**
 * One contract for the model registry's two storages: the JSON file in the run store (the default) and PostgreSQL
 * beside a PostgreSQL ledger (a real server, a fresh database for this suite). `load` gives another instance on the
 * same registry (what another worker process would hold).
 */
interface Impl {
  name: string;
  unavailable?: string;
  fresh(): Promise<(opts?: RegistryLoadOptions) => Promise<ModelRegistry>>;
  cleanup?(): Promise<void>;
}

let db: { url: string; drop: () => Promise<void> } | undefined;
let campaigns = 0;
const pgWhy = postgresUnavailable();

const impls: Impl[] = [
  {
    name: 'file',
    fresh: async () => {
      const store = new DirectoryRunStore(mkdtempSync(path.join(tmpdir(), 'registry-contract-')));
      return (opts) => ModelRegistry.load(store, 'demo', opts);
    },
  },
  {
    name: 'postgres',
    unavailable: pgWhy,
    fresh: async () => {
      db ??= await freshDatabase('registry_contract');
      const url = db.url;
      const store = new DirectoryRunStore(mkdtempSync(path.join(tmpdir(), 'registry-contract-')));
      const campaign = `demo-${++campaigns}`;
      return (opts) => ModelRegistry.load(store, campaign, { ...opts, ledger: url });
    },
    cleanup: async () => db?.drop(),
  },
];

describe.each(impls)('ModelRegistry contract: $name', (impl) => {
  describeUnless(impl.unavailable)('behaviour', () => {
    let load: (opts?: RegistryLoadOptions) => Promise<ModelRegistry>;
    let tick: number;
    const now = () => new Date(Date.UTC(2025, 0, 1, 0, 0, tick++));
    beforeEach(async () => {
      load = await impl.fresh();
      tick = 0;
    });
    afterAll(async () => impl.cleanup?.());

    async function threeRounds(reg: ModelRegistry) {
      await reg.registerBase({ modelId: 'sim-base', provider: 'openai', evaluation: { 0: { n: 10, correct: 5 } } });
      await reg.registerCandidate({ modelId: 'ft-r1', provider: 'openai', parent: 'sim-base', round: 1, jobId: 'ftjob-1', datasetRef: 'file:///r1.jsonl', datasetSha256: 'aa' });
      await reg.setEvaluation('ft-r1', { 0: { n: 10, correct: 8 }, 1: { n: 10, correct: 3 } });
      await reg.promote('ft-r1', 'better on level 0');
      await reg.registerCandidate({ modelId: 'ft-r2', provider: 'openai', parent: 'ft-r1', round: 2 });
      await reg.reject('ft-r2', 'regressed on level 0');
      await reg.registerCandidate({ modelId: 'ft-r3', provider: 'openai', parent: 'ft-r1', round: 3 });
      await reg.promote('ft-r3');
      await reg.setDeployment('ft-r3', { id: 'dep-1', provider: 'fireworks', servedModel: 'ft-r3#dep-1' });
    }

    it('keeps base -> promoted lineage, skipping rejected candidates; another instance reads the same', async () => {
      const reg = await load({ now });
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
        evaluation: { '0': { accuracy: 0.8, n: 10, correct: 8 }, '1': { accuracy: 0.3, n: 10, correct: 3 } },
      });
      expect(reg.liveDeployments().map((m) => m.modelId)).toEqual(['ft-r3']);
      const again = await load();
      expect(again.entries()).toEqual(reg.entries());
      expect(again.entries().map((m) => m.modelId)).toEqual(['sim-base', 'ft-r1', 'ft-r2', 'ft-r3']);
    });

    it('repeats operations harmlessly (a retried activity neither duplicates nor touches timestamps)', async () => {
      await threeRounds(await load({ now }));
      const before = (await load()).entries();
      const retry = await load({ now });
      await retry.registerBase({ modelId: 'sim-base', provider: 'openai', evaluation: { 0: { n: 10, correct: 5 } } });
      await retry.registerCandidate({ modelId: 'ft-r3', provider: 'openai', parent: 'ft-r1', round: 3 });
      await retry.promote('ft-r3');
      await retry.reject('ft-r2', 'regressed on level 0');
      await retry.setDeployment('ft-r3', { id: 'dep-1', provider: 'fireworks', servedModel: 'ft-r3#dep-1' });
      expect((await load()).entries()).toEqual(before);
      expect(retry.entries()).toHaveLength(4);
    });

    it('does not lose changes made through another instance', async () => {
      const a = await load({ now });
      await a.registerBase({ modelId: 'base', provider: 'together' });
      const b = await load({ now });
      await b.registerCandidate({ modelId: 'c1', provider: 'together', parent: 'base', round: 1 });
      // `a` loaded before c1 existed; its change re-reads first.
      await a.setEvaluation('base', { 2: { n: 4, correct: 1 } });
      await a.promote('c1');
      const reread = await load();
      expect(reread.entries().map((m) => m.modelId)).toEqual(['base', 'c1']);
      expect(reread.get('base')?.evaluation).toEqual({ '2': { accuracy: 0.25, n: 4, correct: 1 } });
      expect(reread.get('c1')?.status).toBe('promoted');
    });

    it('serialises concurrent changes through one instance', async () => {
      const reg = await load({ now });
      await reg.registerBase({ modelId: 'base', provider: 'openai' });
      await Promise.all(Array.from({ length: 8 }, (_, i) => reg.setEvaluation('base', { [i]: { n: 10, correct: i } })));
      expect(Object.keys((await load()).get('base')!.evaluation!)).toHaveLength(8);
    });

    it('refuses contradictions with messages that name the registry', async () => {
      const reg = await load({ now });
      await threeRounds(reg);
      await expect(reg.registerBase({ modelId: 'other-base', provider: 'openai' })).rejects.toThrow(`${reg.path}: campaign ${reg.campaign} already has base model sim-base, not other-base`);
      await expect(reg.promote('ft-r2')).rejects.toThrow('ft-r2 was already rejected; it cannot now be promoted');
      await expect(reg.promote('nope')).rejects.toThrow(`no model nope in campaign ${reg.campaign}`);
      await expect(reg.registerCandidate({ modelId: 'x', provider: 'openai', parent: 'ghost', round: 4 })).rejects.toThrow('parent ghost of x is not registered');
      await expect(reg.promote('sim-base')).rejects.toThrow('the base model sim-base cannot be promoted');
      // A refused change leaves nothing behind.
      expect((await load()).entries()).toEqual(reg.entries());
    });
  });
});

describeUnless(pgWhy)('ModelRegistry in PostgreSQL: workers changing it at once', () => {
  let own: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    own = await freshDatabase('registry_concurrent');
  });
  afterAll(async () => own?.drop());

  it('instances loaded at the same time (separate workers) each add a model and an evaluation; nothing is lost', async () => {
    const store = new DirectoryRunStore(mkdtempSync(path.join(tmpdir(), 'registry-concurrent-')));
    const load = () => ModelRegistry.load(store, 'race', { ledger: own.url });
    await (await load()).registerBase({ modelId: 'base', provider: 'openai' });
    const instances = await Promise.all(Array.from({ length: 6 }, load));
    await Promise.all(
      instances.map(async (reg, i) => {
        await reg.registerCandidate({ modelId: `c${i}`, provider: 'openai', parent: 'base', round: i + 1 });
        await reg.setEvaluation('base', { [i]: { n: 10, correct: i } });
      }),
    );
    const after = await load();
    expect(after.entries().map((m) => m.modelId).sort()).toEqual(['base', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
    expect(Object.keys(after.get('base')!.evaluation!)).toHaveLength(6);
  });

  it('is chosen by the campaign config copy or STRAWBERRY_LEDGER, and the file stays the default', async () => {
    const store = new DirectoryRunStore(mkdtempSync(path.join(tmpdir(), 'registry-select-')));
    await store.writeJsonAtomic('configured/config.json', { name: 'configured', storage: { ledger: own.url } });
    await (await ModelRegistry.load(store, 'configured')).registerBase({ modelId: 'b', provider: 'openai' });
    expect(await store.exists('configured/registry.json')).toBe(false);
    expect((await ModelRegistry.load(store, 'configured', { ledger: own.url })).base()?.modelId).toBe('b');

    const saved = process.env.STRAWBERRY_LEDGER;
    process.env.STRAWBERRY_LEDGER = own.url;
    try {
      await (await ModelRegistry.load(store, 'from-env')).registerBase({ modelId: 'e', provider: 'openai' });
    } finally {
      if (saved === undefined) delete process.env.STRAWBERRY_LEDGER;
      else process.env.STRAWBERRY_LEDGER = saved;
    }
    expect(await store.exists('from-env/registry.json')).toBe(false);
    expect((await ModelRegistry.load(store, 'from-env', { ledger: own.url })).base()?.modelId).toBe('e');

    await (await ModelRegistry.load(store, 'plain')).registerBase({ modelId: 'f', provider: 'openai' });
    expect(await store.exists('plain/registry.json')).toBe(true);
  });
});
