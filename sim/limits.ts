import type { SimConfig } from './config';
import { ApiError } from './http';

/**
 * Requests- and tokens-per-minute limits as token buckets (refilled continuously, `burstSeconds` of refill
 * deep). A refused request gets 429 rate_limit_exceeded with `retry-after`, `retry-after-ms` and the
 * `x-ratelimit-*` headers OpenAI sends.
 */
class Bucket {
  private level: number;
  private last: number;
  readonly capacity: number;
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    burstSeconds: number,
    now: number,
  ) {
    this.perMs = perMinute / 60000;
    this.capacity = Math.max(1, (perMinute / 60) * burstSeconds);
    this.level = this.capacity;
    this.last = now;
  }

  refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + (now - this.last) * this.perMs);
    this.last = now;
  }

  /** Milliseconds until `cost` is available (0 = available now). */
  waitFor(cost: number): number {
    const need = Math.min(cost, this.capacity) - this.level;
    return need <= 0 ? 0 : Math.ceil(need / this.perMs);
  }

  take(cost: number): void {
    this.level -= Math.min(cost, this.capacity);
  }

  remaining(): number {
    return Math.max(0, Math.floor(this.level));
  }

  resetMs(): number {
    return Math.ceil((this.capacity - this.level) / this.perMs);
  }
}

export class RateLimiter {
  private readonly requests?: Bucket;
  private readonly tokens?: Bucket;

  constructor(cfg: SimConfig, now = Date.now()) {
    const l = cfg.limits;
    if (l.rpm > 0) this.requests = new Bucket(l.rpm, l.burstSeconds, now);
    if (l.tpm > 0) this.tokens = new Bucket(l.tpm, l.burstSeconds, now);
  }

  /** Takes one request and `tokens` tokens, or throws a 429 ApiError; returns the x-ratelimit-* headers. */
  admit(tokens: number, now = Date.now()): Record<string, string> {
    this.requests?.refill(now);
    this.tokens?.refill(now);
    const waitReq = this.requests?.waitFor(1) ?? 0;
    const waitTok = this.tokens?.waitFor(tokens) ?? 0;
    if (waitReq > 0 || waitTok > 0) {
      const wait = Math.max(waitReq, waitTok);
      const kind = waitReq >= waitTok ? 'requests' : 'tokens';
      const bucket = kind === 'requests' ? this.requests! : this.tokens!;
      const headers = {
        ...this.headers(),
        'retry-after': String(Math.max(1, Math.ceil(wait / 1000))),
        'retry-after-ms': String(wait),
      };
      throw new ApiError(
        429,
        `Rate limit reached for ${kind} per min (${kind === 'requests' ? 'RPM' : 'TPM'}) on the sim: Limit ${bucket.perMinute}, Remaining ${bucket.remaining()}, Requested ${kind === 'requests' ? 1 : tokens}. Please try again in ${wait}ms.`,
        kind,
        null,
        'rate_limit_exceeded',
        headers,
      );
    }
    this.requests?.take(1);
    this.tokens?.take(tokens);
    return this.headers();
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = {};
    for (const [kind, b] of [
      ['requests', this.requests],
      ['tokens', this.tokens],
    ] as const) {
      if (!b) continue;
      h[`x-ratelimit-limit-${kind}`] = String(b.perMinute);
      h[`x-ratelimit-remaining-${kind}`] = String(b.remaining());
      h[`x-ratelimit-reset-${kind}`] = `${b.resetMs()}ms`;
    }
    return h;
  }
}
