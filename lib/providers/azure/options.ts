/** The `azure` provider block's own settings (lib/config/schema.ts `files`, `deployments`). */
export interface AzureProviderOptions {
  files?: { processedTimeoutMinutes?: number; pollSeconds?: number };
  deployments?: {
    managementURL?: string;
    subscriptionId: string;
    resourceGroup: string;
    accountName: string;
    apiVersion?: string;
    tokenEnv?: string;
    sku?: { name?: string; capacity?: number };
  };
}
