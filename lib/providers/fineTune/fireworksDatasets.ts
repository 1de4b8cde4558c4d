import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ProviderHttp } from '../http';
import { keySlug } from './businessKey';
import { ProviderRequestError, ProviderUnavailableError } from './errors';

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

/**
 * Fireworks' datasets resource (https://docs.fireworks.ai/api-reference/create-dataset, upload-dataset-files,
 * get-dataset): create the dataset under a content-derived id (a repeat answers 409 and is adopted), upload
 * the file unless it is READY already, and wait until Fireworks validated it.
 */
export async function uploadFireworksDataset(
  http: ProviderHttp,
  opts: { account: string; timeoutMs: number; readyTimeoutMs: number; pollMs: number },
  localPath: string,
  name: string,
): Promise<{ fileId: string }> {
  const accountPath = `/v1/accounts/${encodeURIComponent(opts.account)}`;
  const getDataset = async (datasetId: string): Promise<FireworksDataset> =>
    (await http.request<FireworksDataset>(`GET datasets/${datasetId}`, { method: 'GET', url: `${accountPath}/datasets/${encodeURIComponent(datasetId)}` })).data;

  const content = await readFile(localPath);
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
  let state = created.status === 409 ? (await getDataset(datasetId)).state : created.data?.state;
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
      const ds = await getDataset(datasetId);
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
