import { AzureProvider, type AzureProviderOptions } from '../../../lib/providers/azure';
import { startSim, type RunningSim } from '../../../sim/server';
import type { SimConfigInput } from '../../../sim/config';
import path from 'node:path';

/** The sim in its Azure shape, in this process (no Temporal, no Python): what the row-14 tests run against. */
export const AZURE_KEY_ENV = 'STRAWBERRY_TEST_AZURE_SIM_KEY';
export const AZURE_TOKEN_ENV = 'STRAWBERRY_TEST_AZURE_SIM_TOKEN';
const CURRICULUM = path.resolve(__dirname, '../../../curricula/arithmetic.yaml');

export async function startAzureSim(provider: Record<string, unknown> = {}): Promise<RunningSim> {
  process.env[AZURE_KEY_ENV] = 'sim-azure-key';
  process.env[AZURE_TOKEN_ENV] = 'sim-arm-token';
  const config = { provider: { kind: 'azure', deploymentSeconds: 0.05, fileProcessingSeconds: 0.2, ...provider }, jobs: { validatingSeconds: 0, queuedSeconds: 0, runningSeconds: 0.05 } } as SimConfigInput;
  return startSim({ curricula: [CURRICULUM], config });
}

/** `http://127.0.0.1:<port>`: the sim's root, where Azure's control plane and `/openai/v1` live. */
export const simOrigin = (sim: RunningSim): string => sim.baseURL.replace(/\/v1$/, '');

export function azureOn(origin: string, files: AzureProviderOptions['files'] = { pollSeconds: 0.02 }): AzureProvider {
  return new AzureProvider({
    kind: 'azure',
    baseURL: `${origin}/openai/v1`,
    apiKeyEnv: AZURE_KEY_ENV,
    azure: { files, deployments: { managementURL: origin, subscriptionId: 'sub-1', resourceGroup: 'rg-1', accountName: 'aoai-1', tokenEnv: AZURE_TOKEN_ENV } },
  });
}
