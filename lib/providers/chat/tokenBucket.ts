/**
 * A token bucket for per-minute limits (requests per minute, tokens per minute): holds up to `perMinute`
 * tokens, refills continuously. `take` waits until enough tokens are there; `refund`/`charge` correct an
 * estimate once the real usage is known (the balance may go negative, which delays later takers).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<unknown> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(perMinute > 0)) throw new RangeError(`per-minute limit must be positive, got ${perMinute}`);
    this.tokens = perMinute;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((t - this.last) * this.perMinute) / 60000);
    this.last = t;
  }

  /** Waits for `amount` tokens (at most the bucket size, so one huge request cannot wait forever). */
  take(amount: number): Promise<void> {
    const want = Math.min(amount, this.perMinute);
    // Takers queue in order, so a big request is not starved by a stream of small ones.
    const turn = this.queue.then(async () => {
      for (;;) {
        this.refill();
        if (this.tokens >= want) {
          this.tokens -= want;
          return;
        }
        const waitMs = Math.ceil(((want - this.tokens) * 60000) / this.perMinute);
        await this.sleep(Math.max(1, waitMs));
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Adjusts the balance by the difference between the real and the estimated cost. */
  charge(amount: number): void {
    this.refill();
    this.tokens = Math.min(this.perMinute, this.tokens - amount);
  }
}
