import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCampaignConfig, requiredKeyVariables } from '../../../lib/config/load';
import { UserError } from '../../../lib/errors';

/** `evaluation.references` and `evaluation.finalK`: the shapes accepted, and errors that name the field. */
const curriculum = path.resolve(__dirname, '../../../curricula/arithmetic.yaml');

function configFile(evaluation: string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'config-')), 'c.yaml');
  const yaml = [
    'name: t',
    `curriculum: ${curriculum}`,
    'providers:',
    '  p:',
    '    kind: openai',
    '    baseURL: http://127.0.0.1:9/v1',
    '    apiKeyEnv: T_KEY',
    '  q:',
    '    kind: together',
    '    apiKeyEnv: Q_KEY',
    'student: { provider: p, baseModel: m }',
    'evaluation:',
    ...evaluation.map((l) => `  ${l}`),
    '',
  ].join('\n');
  writeFileSync(file, yaml);
  return file;
}

async function failure(file: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const err = await loadCampaignConfig(file, env).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return (err as Error).message;
}

describe('evaluation.references', () => {
  it('defaults to none, with a final evaluation of k = 4', async () => {
    const c = await loadCampaignConfig(configFile(['samplesPerProblem: 2']));
    expect(c.evaluation.references).toEqual([]);
    expect(c.evaluation.finalK).toBe(4);
  });

  it('takes a model of one of the providers, and one on an endpoint of its own (the eval config shape)', async () => {
    const c = await loadCampaignConfig(
      configFile([
        'finalK: 8',
        'references:',
        '  - { name: ref, model: other-model }',
        '  - { name: hosted, model: big-model, provider: q }',
        "  - { name: local-vllm, model: qwen, baseURL: '${VLLM_URL}', apiKeyEnv: VLLM_KEY }",
      ]),
      { VLLM_URL: 'http://127.0.0.1:8000/v1' },
    );
    expect(c.evaluation.finalK).toBe(8);
    expect(c.evaluation.references).toEqual([
      { name: 'ref', model: 'other-model' },
      { name: 'hosted', model: 'big-model', provider: 'q' },
      { name: 'local-vllm', model: 'qwen', baseURL: 'http://127.0.0.1:8000/v1', apiKeyEnv: 'VLLM_KEY', concurrency: 16 },
    ]);
    // Keys come from the environment, by the provider's (or the reference's) variable name.
    expect(requiredKeyVariables(c).sort()).toEqual(['Q_KEY', 'T_KEY', 'VLLM_KEY']);
  });

  it('refuses an unknown provider at its field', async () => {
    expect(await failure(configFile(['references:', '  - { name: ref, model: x, provider: nope }']))).toMatch(
      /c\.yaml:\d+ evaluation\.references\[0\]\.provider: unknown provider "nope" \(defined: p, q\)/,
    );
  });

  it('refuses a name of the campaign\'s own models, and a name used twice', async () => {
    expect(await failure(configFile(['references:', '  - { name: final, model: x }']))).toMatch(/evaluation\.references\[0\]\.name: "final" is the name of one of the campaign's own models/);
    expect(await failure(configFile(['references:', '  - { name: r, model: x }', '  - { name: r, model: y }']))).toMatch(/evaluation\.references\[1\]\.name: "r" is taken by another reference/);
  });

  it('refuses a reference that is neither shape, naming both', async () => {
    const message = await failure(configFile(['references:', '  - { name: r, model: x, provider: p, baseURL: http://h/v1 }']));
    expect(message).toMatch(/evaluation\.references\[0\]: expected a reference model \{name, model, provider\?\}.* or \{name, model, baseURL, apiKeyEnv\?\}/);
    expect(await failure(configFile(['references:', '  - { model: x }']))).toMatch(/evaluation\.references\[0\]: expected a reference model/);
  });

  it('keeps secrets out of a reference URL', async () => {
    const keyInURL = await failure(configFile(['references:', "  - { name: r, model: x, baseURL: 'http://h/${R_KEY}/v1', apiKeyEnv: R_KEY }"]), { R_KEY: 'sk-secret-value' });
    expect(keyInURL).toMatch(/evaluation\.references\[0\]\.baseURL: uses \$\{R_KEY\}, an API key variable/);
    expect(keyInURL).not.toContain('sk-secret-value');
    const credentials = await failure(configFile(['references:', "  - { name: r, model: x, baseURL: '${R_URL}' }"]), { R_URL: 'https://user:sk-secret@h/v1' });
    expect(credentials).toMatch(/evaluation\.references\[0\]\.baseURL: must not carry credentials/);
    expect(credentials).not.toContain('sk-secret');
    expect(await failure(configFile(['references:', "  - { name: r, model: x, baseURL: '${UNSET_URL}' }"]))).toMatch(/evaluation\.references\[0\]\.baseURL: environment variable UNSET_URL is not set/);
  });

  it('refuses a negative finalK at its field', async () => {
    expect(await failure(configFile(['finalK: -1']))).toMatch(/evaluation\.finalK/);
  });
});
