/**
 * Remembers each (issuer, jti) until its token expires, so a captured token cannot be replayed.
 * In memory, per process: several instances behind a load balancer each keep their own (a replay
 * to another instance within the token lifetime is then possible; share the cache if that matters).
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records the token; false when it was seen before (a replay) or when the cache is full of live
   * tokens (fail closed rather than forget one).
   */
  claim(issuer: string, jti: string, expiresAtMs: number): boolean {
    const key = `${issuer}\u0000${jti}`;
    const now = this.now();
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    if (this.seen.size >= this.maxEntries) this.prune(now);
    if (this.seen.size >= this.maxEntries) return false;
    this.seen.set(key, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    for (const [key, until] of this.seen) if (until <= now) this.seen.delete(key);
  }
}
