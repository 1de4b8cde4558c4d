import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import type { SimContext } from '../context';
import { ApiError, badRequest, MAX_BODY_BYTES, notFound, type Reply } from '../http';
import { newId, type StoredFile } from '../state';

const PURPOSES = ['fine-tune', 'batch'];

function fileObject(f: StoredFile): Record<string, unknown> {
  return { object: 'file', id: f.id, purpose: f.purpose, filename: f.filename, bytes: f.bytes, created_at: f.created_at, status: 'processed' };
}

/** POST /v1/files (multipart/form-data: `purpose` and `file`). */
export async function createFile(ctx: SimContext, req: IncomingMessage): Promise<Reply> {
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) throw badRequest('The request must be multipart/form-data with fields `purpose` and `file`.', 'file');
  const { fields, file } = await parseMultipart(req);
  const purpose = fields.get('purpose');
  if (!purpose) throw badRequest("Missing required parameter: 'purpose'.", 'purpose', 'missing_required_parameter');
  if (!PURPOSES.includes(purpose)) throw badRequest(`Invalid value for 'purpose': the sim accepts ${PURPOSES.join(' or ')}, got '${purpose}'.`, 'purpose', 'invalid_value');
  if (!file) throw badRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter');
  const meta: StoredFile = { id: newId('file'), bytes: file.content.length, created_at: Math.floor(Date.now() / 1000), filename: file.filename, purpose };
  ctx.state.addFile(meta, file.content);
  ctx.stats.filesCreated++;
  return { status: 200, json: fileObject(meta) };
}

export function getFile(ctx: SimContext, id: string): Reply {
  const f = ctx.state.files.get(id);
  if (!f) throw notFound(`No such File object: ${id}`, 'id', 'file_not_found');
  return { status: 200, json: fileObject(f) };
}

export function getFileContent(ctx: SimContext, id: string): Reply {
  const f = ctx.state.files.get(id);
  const content = f && ctx.state.fileContent(id);
  if (!f || !content) throw notFound(`No such File object: ${id}`, 'id', 'file_not_found');
  return { status: 200, raw: content, contentType: 'application/octet-stream' };
}

export function parseMultipart(req: IncomingMessage): Promise<{ fields: Map<string, string>; file?: { filename: string; content: Buffer } }> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    let file: { filename: string; content: Buffer } | undefined;
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: MAX_BODY_BYTES } });
    } catch (err) {
      reject(badRequest(`Malformed multipart body: ${(err as Error).message}`, 'file'));
      return;
    }
    bb.on('field', (name, value) => fields.set(name, value));
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (name === 'file') file = { filename: info.filename ?? 'upload', content: Buffer.concat(chunks) };
      });
    });
    bb.on('close', () => resolve({ fields, file }));
    bb.on('error', (err) => reject(err instanceof ApiError ? err : badRequest(`Malformed multipart body: ${(err as Error).message}`, 'file')));
    req.pipe(bb);
  });
}
