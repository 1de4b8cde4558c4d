// Fireworks datasets (`/v1/accounts/<a>/datasets`): https://docs.fireworks.ai/api-reference/create-dataset
import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { ProviderRequestError, ProviderUnavailableError } from '../errors';
import { keySlug } from '../businessKey';
import type { ProviderHttp } from '../http';
import type { StoredSource } from '../../store/types';

interface FireworksDataset {
  name: string;
  state?: string;
  status?: { code?: string; message?: string };
}

/** The dataset id of an upload: same name and same bytes give the same id, so a retried upload finds it. */
export function fireworksDatasetIdFor(name: string, content: Buffer): string {
  const digest = createHash('sha256').update(content).digest('hex').slice(0, 16);
  return keySlug(`${name}-${digest}`, 63);
}

export interface FireworksDatasetsOptions {
  account: string;
  /** Per-request timeout; the file upload gets ten times as long. */
  timeoutMs: number;
  /** How long to wait for an uploaded dataset to become READY. */
  readyTimeoutMs: number;
  /** Interval between dataset state checks. */
  pollMs: number;
}

/**
 * Fireworks' datasets resource (https://docs.fireworks.ai/api-reference/create-dataset, upload-dataset-files,
 * get-dataset): create the dataset under a content-derived id (a repeat answers 409 and is adopted), upload
 * the file unless it is READY already, and wait until Fireworks validated it.
 */
export class FireworksDatasets {
  private readonly accountPath: string;

  constructor(
    private readonly http: ProviderHttp,
    private readonly opts: FireworksDatasetsOptions,
  ) {
    this.accountPath = `/v1/accounts/${encodeURIComponent(opts.account)}`;
  }

  /** Returns the dataset's resource name, which a job takes as its `dataset`. */
  async upload(source: StoredSource, name: string): Promise<{ fileId: string }> {
    const { http, opts, accountPath } = this;
    // Fireworks takes the file as one multipart form part, and its id and example count come from the content.
    const content = await buffer(source.open());
    const datasetId = fireworksDatasetIdFor(name, content);
    const exampleCount = content.toString('utf8').split('\n').filter((l) => l.trim()).length;
    const created = await http.request<FireworksDataset>(
      'POST datasets',
      {
        method: 'POST',
        url: `${accountPath}/datasets`,
        data: { datasetId, dataset: { displayName: name.slice(0, 63), exampleCount: String(exampleCount), userUploaded: {}, format: 'CHAT' } },
      },
      [409],
    );
    let state = created.status === 409 ? (await this.retrieve(datasetId)).state : created.data?.state;
    if (state !== 'READY') {
      const form = new FormData();
      form.append('file', new Blob([content], { type: 'application/jsonl' }), name.endsWith('.jsonl') ? name : `${name}.jsonl`);
      await http.request(`POST datasets/${datasetId}:upload`, {
        method: 'POST',
        url: `${accountPath}/datasets/${encodeURIComponent(datasetId)}:upload`,
        data: form,
        maxBodyLength: Infinity,
        timeout: opts.timeoutMs * 10,
      });
      // Fireworks validates the file before a job may use it.
      const deadline = Date.now() + opts.readyTimeoutMs;
      for (;;) {
        const ds = await this.retrieve(datasetId);
        state = ds.state;
        if (state === 'READY') break;
        if (ds.status?.code && ds.status.code !== 'OK') {
          throw new ProviderRequestError(`fireworks: dataset ${datasetId} was rejected: ${ds.status.message ?? ds.status.code}`, 400, ds.status.message ?? ds.status.code);
        }
        if (Date.now() > deadline) {
          throw new ProviderUnavailableError(`fireworks: dataset ${datasetId} not READY after ${opts.readyTimeoutMs} ms (state ${state ?? 'unknown'})`, undefined, '');
        }
        await new Promise((r) => setTimeout(r, opts.pollMs));
      }
    }
    return { fileId: `accounts/${opts.account}/datasets/${datasetId}` };
  }

  private async retrieve(datasetId: string): Promise<FireworksDataset> {
    const res = await this.http.request<FireworksDataset>(`GET datasets/${datasetId}`, { method: 'GET', url: `${this.accountPath}/datasets/${encodeURIComponent(datasetId)}` });
    return res.data;
  }
}
