import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCampaignConfig } from '../../../lib/config/load';
import { UserError } from '../../../lib/errors';

const curriculum = path.resolve(__dirname, '../../../curricula/arithmetic.yaml');

function configFile(baseURL: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'config-')), 'c.yaml');
  const yaml = [
    'name: t',
    `curriculum: ${curriculum}`,
    'providers:',
    '  p:',
    '    kind: openai',
    `    baseURL: ${baseURL}`,
    '    apiKeyEnv: T_KEY',
    'student: { provider: p, baseModel: m }',
    '',
  ].join('\n');
  writeFileSync(file, yaml);
  return file;
}

describe('loadCampaignConfig: baseURL', () => {
  it('expands ${VAR} from the environment', async () => {
    const c = await loadCampaignConfig(configFile('${T_URL}'), { T_URL: 'http://127.0.0.1:9/v1' });
    expect(c.providers.p!.baseURL).toBe('http://127.0.0.1:9/v1');
  });

  it('refuses a key variable in the URL, so the key never reaches the workflow input', async () => {
    const err = await loadCampaignConfig(configFile('http://h/${T_KEY}/v1'), { T_KEY: 'sk-secret-value' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/c\.yaml:6 providers\.p\.baseURL: uses \$\{T_KEY\}/);
    expect((err as Error).message).not.toContain('sk-secret-value');
  });

  it('refuses credentials in the URL', async () => {
    const err = await loadCampaignConfig(configFile('${T_URL}'), { T_URL: 'https://user:sk-secret@h/v1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/providers\.p\.baseURL: must not carry credentials/);
    expect((err as Error).message).not.toContain('sk-secret');
  });
});

describe('loadCampaignConfig: dataset.contamination', () => {
  const withSets = (sets: string) => {
    const file = configFile('http://127.0.0.1:9/v1');
    writeFileSync(file, `${readFileSync(file, 'utf8')}dataset:\n  contamination:\n    sets: ${sets}\n`);
    return file;
  };

  it('resolves named eval sets beside the config file', async () => {
    const c = await loadCampaignConfig(withSets(`[${path.resolve(__dirname, '../../../curricula/math500.yaml')}]`));
    expect(c.dataset.contamination).toEqual({ check: true, sets: [path.resolve(__dirname, '../../../curricula/math500.yaml')] });
  });

  it('refuses a named eval set that does not exist, with the line and field', async () => {
    const err = await loadCampaignConfig(withSets('[nope-test.yaml]')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/c\.yaml:\d+ dataset\.contamination\.sets(\.0|\[0\]): no such file: .*nope-test\.yaml/);
  });

  it('leaves the default (the standard splits) to the worker', async () => {
    const c = await loadCampaignConfig(configFile('http://127.0.0.1:9/v1'));
    expect(c.dataset.contamination).toEqual({ check: true });
  });
});
