// Azure OpenAI files (`/openai/v1/files`): https://learn.microsoft.com/en-us/rest/api/azureopenai/files
import { ProviderRequestError, ProviderUnavailableError } from '../errors';
import type { OpenAIClient } from '../openai/client';
import { OpenAIFiles } from '../openai/files';
import type { StoredSource } from '../../store/types';

/**
 * Azure's file states (FileState: https://learn.microsoft.com/en-us/javascript/api/@azure/ai-agents/filestate,
 * "The state of the file", Azure OpenAI only): uploaded, pending, running, processed, error, deleting, deleted.
 * A fine-tuning job may use a file only once it is `processed` (Azure answers job creation on a file still
 * `pending` with a 400; https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/fine-tuning, "Check the
 * status of your uploaded files"). `error`, `deleting` and `deleted` never become processed.
 */
const WAITING = new Set(['uploaded', 'pending', 'running']);

interface AzureFile {
  id: string;
  status?: string;
  status_details?: string | null;
}

export class AzureFiles {
  private readonly files: OpenAIFiles;

  constructor(
    private readonly client: OpenAIClient,
    private readonly opts: { timeoutMs: number; pollMs: number },
  ) {
    this.files = new OpenAIFiles(client);
  }

  upload(source: StoredSource, name: string): Promise<{ fileId: string }> {
    return this.files.upload(source, name);
  }

  /**
   * Returns once Azure has processed the file. Bounded by `timeoutMs`, then retryable: the fine-tune activity
   * (which heartbeats meanwhile) is retried, finds the upload recorded in the run store and waits on the same
   * file. A terminal state fails at once, with Azure's `status_details` as the reason.
   */
  async waitProcessed(fileId: string): Promise<void> {
    const deadline = Date.now() + this.opts.timeoutMs;
    for (;;) {
      const file = (await this.client.call(`get file ${fileId}`, 2, (api) => api.files.retrieve(fileId))) as unknown as AzureFile;
      const status = file.status ?? 'processed';
      if (status === 'processed') return;
      if (!WAITING.has(status)) {
        const why = file.status_details || `file status ${status}`;
        throw new ProviderRequestError(`azure: training file ${fileId} was not processed (${status}): ${why}`, 400, why);
      }
      if (Date.now() >= deadline) {
        throw new ProviderUnavailableError(`azure: training file ${fileId} still ${status} after ${this.opts.timeoutMs / 1000} s (files.processedTimeoutMinutes)`, undefined, `file ${status}`);
      }
      await new Promise((r) => setTimeout(r, Math.min(this.opts.pollMs, Math.max(0, deadline - Date.now()))));
    }
  }
}
