import type { IncomingMessage } from 'node:http';
import type { SimContext } from '../context';
import { ApiError, badRequest, notFound, readBody, type Reply } from '../http';
import type { StoredJob } from '../state';

/**
 * The sim in the API shape of Together, Fireworks or Azure OpenAI (config `provider.kind`), so a campaign against those
 * providers runs end to end: fine-tuning through their routes (mapped onto the sim's own jobs and training),
 * continuing from a parent their way, and serving fine-tuned models only the way they do. Written from the
 * published references named in lib/providers/capabilities.ts and docs/providers.md. What real providers
 * refuse, the sim refuses too. Provider-mode state lives in memory (a restarted sim forgets endpoints and
 * deployments). One subclass per provider: together.ts, fireworks.ts, azure.ts.
 */

/** A provider-shaped create the sim received, for tests that assert request fields. */
export interface ProviderRequestRecord {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

export interface ProviderModeView {
  requests: ProviderRequestRecord[];
  /** Live deployments (Together endpoints, Fireworks deployments): id -> model. */
  deployments: Record<string, string>;
  deploymentsCreated: number;
  deploymentsDeleted: number;
}

export abstract class ProviderMode {
  readonly requests: ProviderRequestRecord[] = [];
  /** Jobs created through this mode's routes (sim job ids). */
  protected readonly ownJobs = new Set<string>();
  protected created = 0;
  protected deleted = 0;

  constructor(
    protected readonly ctx: SimContext,
    protected readonly dice: () => number,
  ) {}

  abstract readonly kind: 'together' | 'fireworks' | 'azure' | 'selfhosted';

  /** Live deployments: id -> model. */
  protected abstract liveDeployments(): Record<string, string>;

  view(): ProviderModeView {
    return { requests: [...this.requests], deployments: this.liveDeployments(), deploymentsCreated: this.created, deploymentsDeleted: this.deleted };
  }

  /** The API key of a request, or undefined when it has none (a 401): a bearer token unless the provider says otherwise. */
  apiKey(req: IncomingMessage, _pathname: string): string | undefined {
    return /^Bearer\s+(.*)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() || undefined;
  }

  /** Routes outside the `/v1` API (`parts`: the path split on `/`); undefined when the request is not one of them. */
  routeOutsideV1(_req: IncomingMessage, _method: string, _parts: string[], _url: URL): Promise<Reply | undefined> {
    return Promise.resolve(undefined);
  }

  /** A request that reaches a storage host with no API key (Together's presigned upload). */
  isUnauthenticatedUpload(_method: string, _pathname: string): boolean {
    return false;
  }

  upload(_req: IncomingMessage, pathname: string): Promise<Reply> {
    return Promise.reject(notFound(`no upload slot ${pathname}`, null, 'not_found'));
  }

  /** The model id a chat request reaches, or a refusal like the provider's. */
  abstract resolveChatModel(model: string): string;

  /** Routes of the provider shape; undefined when the request is not one of them. */
  abstract route(req: IncomingMessage, method: string, p: string[], url: URL, host: string): Promise<Reply | undefined>;

  protected job(id: string): StoredJob {
    const job = this.ctx.state.jobs.get(id);
    if (!job) throw notFound(`job ${id} not found`, 'id', 'not_found');
    return job;
  }

  protected ownJob(id: string): StoredJob {
    if (!this.ownJobs.has(id)) throw notFound(`fine-tune job ${id} not found`, 'id', 'not_found');
    return this.job(id);
  }
}


export async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req)).toString('utf8');
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest('The request body must be a JSON object.');
}

