// OpenAI files (`/files`): https://platform.openai.com/docs/api-reference/files/create
import { toFile } from 'openai';
import type { StoredSource } from '../../store/types';
import type { OpenAIClient } from './client';

/**
 * OpenAI's files resource, for training data (https://platform.openai.com/docs/api-reference/files/create,
 * `purpose: fine-tune`).
 */
export class OpenAIFiles {
  constructor(private readonly client: OpenAIClient) {}

  async upload(source: StoredSource, name: string): Promise<{ fileId: string }> {
    // No SDK retries: a stream cannot be replayed; the activity retries the whole upload.
    const file = await this.client.call(
      'upload training file',
      0,
      async (api) => api.files.create({ file: await toFile(source.open(), name), purpose: 'fine-tune' }),
      this.client.timeoutMs * 10,
    );
    return { fileId: file.id };
  }
}
