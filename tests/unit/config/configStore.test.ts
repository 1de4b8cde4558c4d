import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { campaignSettings } from '../../../lib/campaign/settings';
import { configHash, loadStoredConfig, storeConfig, storedConfigPath } from '../../../lib/config/configStore';
import { loadCampaignConfig, type ResolvedCampaignConfig } from '../../../lib/config/load';
import { applyTunables, checkTunables } from '../../../lib/config/tunables';
import { UserError } from '../../../lib/errors';
import { DirectoryRunStore } from '../../../lib/store';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const demo = (name: string): Promise<ResolvedCampaignConfig> =>
  loadCampaignConfig(path.join(repoRoot, 'config/demo.yaml'), { STRAWBERRY_SIM_URL: 'http://127.0.0.1:9/v1' }).then((c) => ({ ...c, name }));
const tempStore = () => new DirectoryRunStore(mkdtempSync(path.join(os.tmpdir(), 'strawberry-configs-')));

describe('stored config versions', () => {
  it('are addressed by content: the same config has one hash whatever its key order', async () => {
    const config = await demo('c1');
    const reordered = Object.fromEntries(Object.entries(config).reverse()) as unknown as ResolvedCampaignConfig;
    expect(configHash(reordered)).toBe(configHash(config));
    expect(configHash({ ...config, estimation: { ...config.estimation, k: config.estimation.k + 1 } })).not.toBe(configHash(config));
  });

  it('store once and load back by hash, checked against it', async () => {
    const store = tempStore();
    const config = await demo('c2');
    const hash = await storeConfig(store, config);
    expect(await storeConfig(store, config)).toBe(hash);
    expect(await loadStoredConfig(store, 'c2', hash)).toEqual(JSON.parse(JSON.stringify(config)));
  });

  it('a missing or edited version is a UserError naming the file', async () => {
    const store = tempStore();
    const config = await demo('c3');
    const missing = configHash(config);
    await expect(loadStoredConfig(store, 'c3', missing)).rejects.toThrow(/c3\/configs\/[0-9a-f]{64}\.json is not in the run store/);
    const other = await demo('c4');
    const hash = configHash(other);
    await store.writeFileAtomic(storedConfigPath('c4', hash), JSON.stringify({ ...other, stopping: { maxRounds: 99, maxRoundsWithoutPromotion: 1 } }));
    await expect(loadStoredConfig(store, 'c4', hash)).rejects.toBeInstanceOf(UserError);
    await expect(loadStoredConfig(store, 'c4', hash)).rejects.toThrow(/does not match its hash/);
  });

  it('configure makes a new version; the workflow settings follow it', async () => {
    const config = await demo('c5');
    const tuned = applyTunables(config, { estimationK: 7, band: { max: 0.6 } });
    expect(configHash(tuned)).not.toBe(configHash(config));
    expect(campaignSettings(tuned)).toMatchObject({ estimationK: 7, band: { min: config.band.band.min, max: 0.6 } });
    expect(() => checkTunables({ min: 0.2, max: 0.5 }, { band: { min: 0.6 } })).toThrow(/band.min \(0.6\) must be <= band.max \(0.5\)/);
    expect(() => checkTunables({ min: 0, max: 1 }, { k: 3 })).toThrow(/configure/);
  });
});
