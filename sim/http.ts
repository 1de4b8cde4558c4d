import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error answered in OpenAI's shape: `{error: {message, type, param, code}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) => new ApiError(400, message, 'invalid_request_error', param, code);
export const notFound = (message: string, param: string | null, code: string) => new ApiError(404, message, 'invalid_request_error', param, code);

export const MAX_BODY_BYTES = 512 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, 'Request body too large.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}


/** How a handler answers: a JSON body (possibly corrupted by the malformed-body fault) or raw bytes. */
export interface Reply {
  status: number;
  json?: unknown;
  raw?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export function send(res: ServerResponse, reply: Reply, malformed = false): void {
  let body = reply.raw ?? Buffer.from(JSON.stringify(reply.json));
  if (malformed && reply.status === 200 && reply.json !== undefined) body = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? 'application/json',
    'content-length': String(body.length),
    ...(reply.headers ?? {}),
  });
  res.end(body);
}
