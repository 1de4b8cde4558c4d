// Together files (`/files`): https://docs.together.ai/reference/upload-file
import type { StoredSource } from '../../store/types';
import { ProviderUnavailableError } from '../errors';
import type { ProviderHttp } from '../http';

/**
 * Together's files resource (https://docs.together.ai/reference/upload-file): `POST /files` answers a redirect
 * to a presigned upload URL and the new file's id; the bytes go there by `PUT` (without our key: it is a
 * storage host); `POST /files/{id}/preprocess` tells Together the upload is complete.
 */
export class TogetherFiles {
  constructor(
    private readonly http: ProviderHttp,
    /** Per-request timeout; the upload itself gets ten times as long. */
    private readonly timeoutMs: number,
  ) {}

  async upload(source: StoredSource, name: string): Promise<{ fileId: string }> {
    const http = this.http;
    // 1. Ask for an upload slot: Together answers 302 with a presigned URL and the new file's id.
    const form = new URLSearchParams({ purpose: 'fine-tune', file_name: name, file_type: 'jsonl' });
    const slot = await http.request<{ id?: string }>(
      'POST /files',
      { method: 'POST', url: '/files', data: form.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
      [301, 302, 303, 307, 308],
    );
    if (slot.status === 200 && slot.data?.id) return { fileId: slot.data.id };
    const location = header(slot.headers, 'location');
    const fileId = header(slot.headers, 'x-together-file-id');
    if (!location || !fileId) {
      throw new ProviderUnavailableError(`together: POST /files answered ${slot.status} without a Location and X-Together-File-Id header`, slot.status, '');
    }
    // 2. PUT the bytes to the presigned URL, without our Authorization header: it goes to a storage host.
    await http.requestUnauthenticated('PUT presigned upload URL', {
      method: 'PUT',
      url: location,
      data: source.open(),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(source.bytes) },
      maxBodyLength: Infinity,
      timeout: this.timeoutMs * 10,
    });
    // 3. Tell Together the upload is complete so it checks and registers the file.
    await http.request(`POST /files/${fileId}/preprocess`, { method: 'POST', url: `/files/${encodeURIComponent(fileId)}/preprocess` });
    return { fileId };
  }
}

function header(headers: unknown, name: string): string | undefined {
  const h = headers as Record<string, unknown> & { get?: (n: string) => unknown };
  const value = typeof h?.get === 'function' ? h.get(name) : h?.[name];
  return typeof value === 'string' && value ? value : undefined;
}
